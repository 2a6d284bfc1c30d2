"""Remote mode: a kernel with ``SERAPH_SERVER_URL``/``SERAPH_TOKEN`` (what ``seraph_ext``
exports to the kernels its server starts) drives the bots of a real ``jupyter server``."""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time

import httpx
import pytest

from .conftest import start_kernel, stop_kernel


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """``jupyter server`` with seraph_ext on loopback, its own SQLite file and sim world."""
    root = tmp_path_factory.mktemp("server")
    port, token = free_port(), secrets.token_hex(8)
    env = {k: v for k, v in os.environ.items() if not k.startswith("SERAPH_")}
    env["SERAPH_DB"] = str(root / "seraph.sqlite")
    env["JUPYTER_RUNTIME_DIR"] = str(root / "runtime")
    command = [sys.executable, "-m", "jupyter", "server", "--no-browser", f"--port={port}"]
    command += [
        f"--ServerApp.token={token}",
        f"--ServerApp.root_dir={root}",
        "--ServerApp.ip=127.0.0.1",
        "--allow-root",
    ]
    extensions = {"seraph_ext": True, "jupyterlab": False, "jupyter_lsp": False}
    extensions |= {"notebook_shim": False, "jupyter_server_terminals": False}
    command += [f"--ServerApp.jpserver_extensions={extensions!r}"]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}/"
    headers = {"Authorization": f"token {token}"}
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, process.stderr.read().decode()
            try:
                if httpx.get(url + "api/bots", headers=headers, timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "jupyter server did not start"
            time.sleep(0.2)
        yield url, token, headers
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture(scope="module")
def remote_kernel(server):
    url, token, _ = server
    driver = start_kernel({"SERAPH_SERVER_URL": url, "SERAPH_TOKEN": token})
    try:
        yield driver
    finally:
        stop_kernel(driver)


def test_get_client_never_guesses_the_only_bot_of_a_shared_fleet(server):
    """First in this module: the server's only bot may be another notebook's."""
    url, token, headers = server
    assert httpx.post(url + "api/bots", headers=headers, json={"id": "solo"}).status_code in (200, 201)
    driver = start_kernel({"SERAPH_SERVER_URL": url, "SERAPH_TOKEN": token})
    try:
        assert [bot["id"] for bot in httpx.get(url + "api/bots", headers=headers).json()["bots"]] == ["solo"]
        refused = driver.execute("getClient()")
        assert refused.reply["ename"] == "LuaError"
        assert "no bot in use (the fleet is shared, so none is picked for you)" in refused.reply["evalue"]
        assert refused.reply["evalue"].endswith("run %use <id> with one of: solo")
        assert driver.ok("%use solo\ngetClient().id").result["text/plain"] == '"solo"'
    finally:
        stop_kernel(driver)
        httpx.delete(url + "api/bots/solo", headers=headers)


def test_seraph_shows_the_remote_fleet(remote_kernel):
    assert remote_kernel.ok("%seraph").stdout.startswith("fleet: remote\n")


def test_bots_made_in_the_kernel_live_on_the_server(remote_kernel, server):
    url, _, headers = server
    assert remote_kernel.ok("%create_bot").stdout.startswith("created bot-1 (")
    assert remote_kernel.ok("%connect").stdout == "bot-1: menu_ready\n"
    assert remote_kernel.ok("%warp MINEWORLD").stdout.startswith("bot-1 is in MINEWORLD at (")
    bots = httpx.get(url + "api/bots", headers=headers).json()["bots"]
    assert [(bot["id"], bot["status"], bot["current_world"]) for bot in bots] == [
        ("bot-1", "in_world", "MINEWORLD")
    ]
    assert remote_kernel.ok("getClient():status()").result["text/plain"] == '"IN_WORLD"'


def test_bots_made_over_rest_are_seen_by_the_kernel(remote_kernel, server):
    url, _, headers = server
    assert httpx.post(url + "api/bots", headers=headers, json={"id": "from-rest"}).status_code in (200, 201)
    (table,) = remote_kernel.ok("%bots --static").displays
    assert "from-rest" in table["text/plain"]
    assert remote_kernel.ok('getClient("from-rest").id').result["text/plain"] == '"from-rest"'


def test_minimap_of_a_remote_bot(remote_kernel):
    remote_kernel.ok("%use bot-1")
    (data,) = remote_kernel.ok("%minimap").displays
    assert data["text/plain"].startswith("Minimap of MINEWORLD (100x60): bot-1 at (")


def test_seraph_corrections_in_a_cell_of_a_remote_kernel(remote_kernel):
    """A Seraph mining loop as a notebook cell over the RemoteFleet: one World object for the
    whole loop, ``if not findPath`` then poll, ItemInfo bits, connected(), getLogs()."""
    remote_kernel.ok("%use bot-1")
    cell = """
local c = getClient()
local w = c:world()
local hits, mined = 0, 0
for _, stone in ipairs(w:findTiles(3)) do
  local stand = stone + Vector2i.new(-1, 0)
  if mined == 2 then break end
  if w:tile(stand).foreground == 0 and #c:getPath(stand) > 0 then
    if not c:findPath(stand) then error("no start tile") end
    while c:pathfinding() do sleep(10) end
    assert(c:point():equals(stand))
    while w:tile(stone).foreground == 3 do
      assert(c:hit(stone) == nil)
      hits = hits + 1
      assert(hits < 100, "the held world never saw the stone break")
    end
    mined = mined + 1
  end
end
getLogs():add("mined " .. mined)
local trashable, connected = bit32.band(getInfo(3).flags, 0x2) ~= 0, c:connected()
string.format("%d %d %s %s %s", mined, hits, tostring(trashable), tostring(connected), getLogs().entries[1])
"""
    run = remote_kernel.ok(cell)
    assert run.stdout == "mined 2\n"
    assert run.result["text/plain"] == '"2 8 true true mined 2"'


def test_a_cell_script_runs_on_the_server(remote_kernel, server):
    url, _, headers = server
    remote_kernel.ok('%%script remote-job\nprint("on the server")')
    deadline = time.monotonic() + 10
    while "on the server" not in remote_kernel.ok("%script console remote-job").stdout:
        assert time.monotonic() < deadline
        time.sleep(0.1)
    params = {"client_id": "bot-1", "script_id": "remote-job"}
    console = httpx.get(url + "api/scripts/console", headers=headers, params=params).json()
    assert [line["text"] for line in console["lines"]] == ["on the server"]


def test_a_local_kernel_attaches_to_a_server(kernel, server):
    url, token, _ = server
    assert kernel.ok("%seraph").stdout.startswith("fleet: local")
    attached = kernel.ok(f"%seraph attach {url} --token {token}").stdout
    assert attached.startswith(f"attached to {url}\nfleet: remote\n")
    (table,) = kernel.ok("%bots --static").displays
    assert "bot-1" in table["text/plain"]
    assert kernel.execute("%seraph attach").reply["ename"] == "UsageError"
    refused = kernel.execute("%seraph attach http://127.0.0.1:9/ --token nope")
    assert refused.reply["ename"] == "MagicError"
    assert refused.reply["evalue"].startswith("cannot attach to http://127.0.0.1:9/: cannot reach")
    wrong_token = kernel.execute(f"%seraph attach {url} --token wrong")
    assert wrong_token.reply["ename"] == "MagicError"
    assert kernel.ok("%seraph").stdout.startswith("fleet: remote\n")
