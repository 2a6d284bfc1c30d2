"""Starting the kernel and installing its kernelspec (``python -m seraph_kernel install``)."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

KERNEL_NAME = "seraph"


def kernelspec_source() -> Path:
    """The shipped ``kernelspec/seraph`` folder (source tree) or the installed shared copy."""
    here = Path(__file__).resolve().parents[2] / "kernelspec" / KERNEL_NAME
    if here.is_dir():
        return here
    return Path(sys.prefix) / "share" / "jupyter" / "kernels" / KERNEL_NAME


def install_kernelspec(user: bool = False, prefix: str | None = None) -> str:
    """Install the kernelspec with this interpreter's absolute path in ``argv``, so the
    kernel starts in this environment even when it is not activated. Returns the folder."""
    from jupyter_client.kernelspec import KernelSpecManager

    source = kernelspec_source()
    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / KERNEL_NAME
        target.mkdir()
        for logo in source.glob("logo-*.png"):
            shutil.copy(logo, target / logo.name)
        spec = json.loads((source / "kernel.json").read_text())
        spec["argv"] = [sys.executable, "-m", "seraph_kernel", "-f", "{connection_file}"]
        (target / "kernel.json").write_text(json.dumps(spec, indent=2) + "\n")
        return KernelSpecManager().install_kernel_spec(
            str(target), KERNEL_NAME, user=user, prefix=prefix, replace=True
        )


def install_main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m seraph_kernel install", description="Install the Seraph (Lua) kernelspec."
    )
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--user", action="store_true", help="install for the current user")
    where.add_argument("--sys-prefix", action="store_true", help=f"install into {sys.prefix}")
    where.add_argument("--prefix", help="install under this prefix")
    args = parser.parse_args(argv)
    prefix = sys.prefix if args.sys_prefix else args.prefix
    path = install_kernelspec(user=args.user, prefix=prefix)
    print(f"Installed kernelspec {KERNEL_NAME} in {path}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """``install`` subcommand, or launch the kernel (``-f {connection_file}``)."""
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["install"]:
        return install_main(argv[1:])
    # debugpy (imported by ipykernel for its debugger) otherwise now and then prints four lines
    # about frozen modules to the kernel's stderr, which is `jupyter console`'s terminal
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    from seraph_kernel.kernel.app import SeraphKernelApp
    from seraph_kernel.kernel.kernel import SeraphKernel

    SeraphKernelApp.launch_instance(argv=argv, kernel_class=SeraphKernel)
    return 0
