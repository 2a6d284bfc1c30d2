"""The ``sim`` backend: bots that play the simulated world (``seraph_kernel.sim``) over TCP."""

from seraph_kernel.backends.sim.bot import SimBackend, SimBot, parse_address

__all__ = ["SimBackend", "SimBot", "parse_address"]
