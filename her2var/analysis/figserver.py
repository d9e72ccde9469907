"""Readies the figure workers' fork server; imported by that server only, last (see :mod:`.workers`).

Unlike other modules, importing this one does something, on purpose: the fork server only imports
the modules it is given, and every figure worker is a copy of it. Once matplotlib, numpy and the
figure modules are imported, their objects are moved to the collector's permanent generation
(``gc.freeze``): a worker's full collections then no longer walk those ~125,000 objects each time
(0.2-0.3 s of CPU per worker over the figures of a 10,000-patient analysis), nor touch the memory
pages it shares with the server.

A first figure drawn here as well (to have matplotlib load its font and caches once) saved less
than it cost: the server would be ready later than the statistics, when the figures are handed over.
"""

from __future__ import annotations

import gc

gc.collect()
gc.freeze()
