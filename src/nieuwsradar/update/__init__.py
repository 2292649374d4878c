"""The ingest orchestrator: storage → fetch → parse → normalise → dedupe → classify → storage.

One module per job:

- :mod:`~nieuwsradar.update.lease` — claim the sources of a run (a lease in the database,
  so concurrent updates never fetch one source at once);
- :mod:`~nieuwsradar.update.run` — the sequence of one run (:func:`run_update`);
- :mod:`~nieuwsradar.update.fetching` — fetch one source, hand its document to a worker;
- :mod:`~nieuwsradar.update.pool` — the worker processes (forkserver, never forked from
  a threaded process);
- :mod:`~nieuwsradar.update.work` — what a worker does with a document;
- :mod:`~nieuwsradar.update.writer` — the single writer, batched transactions;
- :mod:`~nieuwsradar.update.stories` — story clustering of new items;
- :mod:`~nieuwsradar.update.reclassify` — re-tag the archive after retraining.

Failures are logged (with tracebacks) through :mod:`logging` for whoever configures it
(the service does); a command that configures nothing shows only its own summary, not
Python's last-resort output of every warning.
"""

import logging

from nieuwsradar.update.lease import leased_sources
from nieuwsradar.update.reclassify import reclassify
from nieuwsradar.update.run import run_update
from nieuwsradar.update.writer import ProgressFn

__all__ = ["ProgressFn", "leased_sources", "reclassify", "run_update"]

logging.getLogger(__name__).addHandler(logging.NullHandler())
