"""Bots and scripts behind one interface: :class:`~seraph_kernel.fleet.base.Fleet`."""
