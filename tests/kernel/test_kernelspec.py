"""The kernelspec: installed as shared data by pip, and by ``python -m seraph_kernel install``."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

from jupyter_client.kernelspec import KernelSpecManager


def test_pip_install_ships_the_seraph_kernelspec():
    spec = KernelSpecManager().get_kernel_spec("seraph")
    assert spec.display_name == "Seraph (Lua)"
    assert spec.language == "lua"
    assert spec.argv == ["python", "-m", "seraph_kernel", "-f", "{connection_file}"]
    assert spec.interrupt_mode == "signal"
    resources = Path(spec.resource_dir)
    assert (resources / "logo-32x32.png").is_file() and (resources / "logo-64x64.png").is_file()


def test_install_command_writes_this_interpreter(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "seraph_kernel", "install", "--prefix", str(tmp_path)],
        capture_output=True,
        text=True,
        check=True,
    )
    folder = tmp_path / "share" / "jupyter" / "kernels" / "seraph"
    assert str(folder) in done.stdout
    spec = json.loads((folder / "kernel.json").read_text())
    assert spec["argv"] == [sys.executable, "-m", "seraph_kernel", "-f", "{connection_file}"]
    assert spec["display_name"] == "Seraph (Lua)"
    assert (folder / "logo-64x64.png").is_file()


def test_install_rejects_two_destinations(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "seraph_kernel", "install", "--user", "--prefix", str(tmp_path)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2
    assert "not allowed with argument" in done.stderr
    assert not (tmp_path / "share").exists()


def test_a_wheel_installs_the_kernelspec_into_a_fresh_environment(tmp_path):
    """Build the wheel, pip-install it (no dependencies) into a new venv, and let
    jupyter_client find ``seraph`` there: no install step beyond ``pip install``."""
    project = Path(__file__).resolve().parents[2]
    wheels = tmp_path / "wheels"
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    isolation = ["--no-build-isolation"] if importlib.util.find_spec("hatchling") else []
    subprocess.run([*pip, "wheel", "--no-deps", *isolation, str(project), "-w", str(wheels)], check=True)
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    (wheel,) = wheels.glob("seraph_notebook-*.whl")
    # --ignore-installed: without it pip would first uninstall this project from the running env
    target = [f"--prefix={venv}", "--ignore-installed", "--no-deps", "--no-compile", str(wheel)]
    subprocess.run([*pip, "install", *target], check=True)
    specs = KernelSpecManager(kernel_dirs=[str(venv / "share" / "jupyter" / "kernels")]).find_kernel_specs()
    assert specs["seraph"] == str(venv / "share" / "jupyter" / "kernels" / "seraph")
    spec = json.loads((Path(specs["seraph"]) / "kernel.json").read_text())
    assert spec["display_name"] == "Seraph (Lua)"
