"""``python -m seraph_kernel [install ...] | -f <connection file>``."""

import sys

from seraph_kernel.kernel.kernelapp import main

sys.exit(main())
