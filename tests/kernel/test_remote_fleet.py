"""Remote mode: a kernel with ``SERAPH_SERVER_URL``/``SERAPH_TOKEN`` (what ``seraph_ext``
exports to the kernels its server starts) drives the bots of a real ``jupyter server``."""

from __future__ import annotations

import os
import re
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


def workspace_of(kernel) -> str:
    """The name of the workspace a kernel works in, from ``%workspace``."""
    match = re.match(r"workspace: ([a-z0-9-]+) ", kernel.ok("%workspace").stdout)
    assert match, "no workspace name in %workspace"
    return match.group(1)


def test_get_client_never_guesses_the_only_bot_of_a_shared_fleet(server):
    """First in this module: the server's only bot may be another notebook's. A kernel starts
    in its own workspace, where it is not even seen; attached to the shared one, it is never
    picked for ``getClient()``."""
    url, token, headers = server
    assert httpx.post(url + "api/bots", headers=headers, json={"id": "solo"}).status_code in (200, 201)
    driver = start_kernel({"SERAPH_SERVER_URL": url, "SERAPH_TOKEN": token})
    try:
        assert [bot["id"] for bot in httpx.get(url + "api/bots", headers=headers).json()["bots"]] == ["solo"]
        alone = driver.execute("getClient()")
        assert "the fleet has none: run %create_bot first" in alone.reply["evalue"]
        shared = driver.ok("%workspace shared").stdout
        assert shared.startswith("workspace: shared (the server's common fleet: bots and globalStorage")
        refused = driver.execute("getClient()")
        assert refused.reply["ename"] == "LuaError"
        assert "no bot in use (the fleet is shared, so none is picked for you)" in refused.reply["evalue"]
        assert refused.reply["evalue"].endswith("run %use <id> with one of: solo")
        assert driver.ok("%use solo\ngetClient().id").result["text/plain"] == '"solo"'
    finally:
        stop_kernel(driver)
        httpx.delete(url + "api/bots/solo", headers=headers)


def test_seraph_shows_the_remote_fleet(remote_kernel):
    text = remote_kernel.ok("%seraph").stdout
    assert text.startswith("fleet: remote\nworkspace: nb-")
    assert "(this kernel's own; deleted when the kernel stops)" in text


def test_bots_made_in_the_kernel_live_on_the_server(remote_kernel, server):
    url, _, headers = server
    workspace = workspace_of(remote_kernel)
    assert remote_kernel.ok("%create_bot").stdout.startswith("created bot-1 (")
    assert remote_kernel.ok("%connect").stdout == "bot-1: menu_ready\n"
    assert remote_kernel.ok("%warp MINEWORLD").stdout.startswith("bot-1 is in MINEWORLD at (")
    bots = httpx.get(url + "api/bots", headers=headers, params={"workspace": workspace}).json()["bots"]
    assert [(bot["id"], bot["workspace"], bot["status"], bot["current_world"]) for bot in bots] == [
        (f"{workspace}~bot-1", workspace, "in_world", "MINEWORLD")
    ]
    assert remote_kernel.ok("getClient():status()").result["text/plain"] == '"IN_WORLD"'


def test_bots_made_over_rest_are_seen_by_the_kernel(remote_kernel, server):
    url, _, headers = server
    body = {"id": "from-rest", "workspace": workspace_of(remote_kernel)}
    assert httpx.post(url + "api/bots", headers=headers, json=body).status_code in (200, 201)
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
    inside = {**headers, "X-Seraph-Workspace": workspace_of(remote_kernel)}
    console = httpx.get(url + "api/scripts/console", headers=inside, params=params).json()
    assert [line["text"] for line in console["lines"]] == ["on the server"]


def test_a_local_kernel_attaches_to_a_server(kernel, server):
    url, token, _ = server
    assert kernel.ok("%seraph").stdout.startswith("fleet: local")
    attached = kernel.ok(f"%seraph attach {url} --token {token}").stdout
    assert attached.startswith(f"attached to {url}\nfleet: remote\nworkspace: nb-")
    (table,) = kernel.ok("%bots --static").displays
    assert "no bots" in table["text/plain"]  # a fresh workspace of its own
    assert kernel.execute("%seraph attach").reply["ename"] == "UsageError"
    refused = kernel.execute("%seraph attach http://127.0.0.1:9/ --token nope")
    assert refused.reply["ename"] == "MagicError"
    assert refused.reply["evalue"].startswith("cannot attach to http://127.0.0.1:9/: cannot reach")
    wrong_token = kernel.execute(f"%seraph attach {url} --token wrong")
    assert wrong_token.reply["ename"] == "MagicError"
    assert kernel.ok("%seraph").stdout.startswith("fleet: remote\n")


def workspaces(server) -> dict[str, int]:
    url, _, headers = server
    return {
        w["name"]: w["bots"] for w in httpx.get(url + "api/workspaces", headers=headers).json()["workspaces"]
    }


def test_two_kernels_create_the_same_ids_and_each_workspace_ends_with_its_kernel(server):
    """The second run of a notebook in the same server used to stop at ``BotExists``."""
    url, token, _ = server
    env = {"SERAPH_SERVER_URL": url, "SERAPH_TOKEN": token}
    first, second = start_kernel(env), start_kernel(env)
    try:
        for driver in (first, second):
            assert driver.ok("%create_bot rookie").stdout.startswith("created rookie (")
        names = {workspace_of(first), workspace_of(second)}
        assert len(names) == 2 and all(workspaces(server).get(name) == 1 for name in names)
        second_name = workspace_of(second)
    finally:
        stop_kernel(second)
    try:
        assert second_name not in workspaces(server)
        assert workspace_of(first) in workspaces(server)
    finally:
        stop_kernel(first)
    assert not names & set(workspaces(server))


def test_reset_starts_a_fresh_workspace(server):
    url, token, _ = server
    driver = start_kernel({"SERAPH_SERVER_URL": url, "SERAPH_TOKEN": token})
    try:
        driver.ok("%create_bot\nglobalStorage:set('k', 1)")
        old = workspace_of(driver)
        text = driver.ok("%reset").stdout
        assert text.startswith("started over: no bots, fresh worlds and globalStorage")
        new = workspace_of(driver)
        assert new != old and old not in workspaces(server)
        assert driver.ok("return globalStorage:get('k') == nil").result["text/plain"] == "true"
        assert driver.ok("%create_bot").stdout.startswith("created bot-1 (")
        fresh = driver.ok("%workspace new").stdout
        assert fresh.startswith("workspace: nb-") and fresh.endswith("bots: 0; getClient() unbound\n")
        assert workspace_of(driver) != new and new not in workspaces(server)
    finally:
        stop_kernel(driver)


def test_a_named_workspace_is_shared_on_purpose(server):
    url, token, headers = server
    env = {"SERAPH_SERVER_URL": url, "SERAPH_TOKEN": token}
    first, second = start_kernel(env), start_kernel(env)
    try:
        own = workspace_of(first)
        attached = first.ok("%workspace team-a").stdout
        assert attached == (
            "workspace: team-a (attached: shared with every kernel that attaches it)\n"
            "bots: 0; getClient() unbound\n"
        )
        assert own not in workspaces(server)  # leaving its own workspace deleted it
        first.ok("%create_bot\nglobalStorage:set('plan', 'dig')")
        assert second.ok("%workspace team-a").stdout.endswith("bots: 1; getClient() unbound\n")
        assert second.ok("%use bot-1\nreturn globalStorage:get('plan')").result["text/plain"] == '"dig"'
        assert second.execute("%workspace Not/Valid").reply["ename"] == "MagicError"
    finally:
        stop_kernel(first)
        stop_kernel(second)
    assert workspaces(server)["team-a"] == 1  # a named workspace outlives the kernels
    httpx.delete(url + "api/workspaces/team-a", headers=headers)


def test_the_only_bot_of_the_kernels_own_workspace_is_bound(server):
    """Its own workspace is the kernel's alone, so its only bot is nobody else's."""
    url, token, headers = server
    driver = start_kernel({"SERAPH_SERVER_URL": url, "SERAPH_TOKEN": token})
    try:
        body = {"workspace": workspace_of(driver)}
        assert httpx.post(url + "api/bots", headers=headers, json=body).status_code == 201
        bound = driver.ok("return getClient().id")
        assert bound.result["text/plain"] == '"bot-1"'
        assert "getClient() is bot-1, the only bot" in bound.stdout
    finally:
        stop_kernel(driver)


def test_a_kernel_without_a_server_is_its_own_workspace():
    driver = start_kernel()
    try:
        assert driver.ok("%workspace").stdout == (
            "workspace: this kernel's own fleet (no server: nothing is shared)\nbots: 0\n"
        )
        refused = driver.execute("%workspace shared")
        assert refused.reply["ename"] == "MagicError"
        assert "no Jupyter server with seraph_ext" in refused.reply["evalue"]
        driver.ok("%create_bot\nglobalStorage:set('k', 1)")
        assert driver.ok("%reset").stdout.startswith("started over: no bots, fresh worlds and globalStorage")
        assert driver.ok("return globalStorage:get('k') == nil").result["text/plain"] == "true"
        assert driver.ok("%create_bot").stdout.startswith("created bot-1 (")
    finally:
        stop_kernel(driver)
