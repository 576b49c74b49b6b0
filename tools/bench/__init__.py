"""``make bench``: cold-start, memory and DynamoDB-call figures, each printed next to its goal.

Not a test: nothing here fails the run. Every figure is printed with its goal and
whether it meets it, so a change that slows cold start or adds a round trip is
visible at a glance. Every numeric goal is in :mod:`tools.bench.goals`.

Figures
  1. Import time of the Lambda handler module (``import app``) against a baseline
     (``import boto3`` + a DynamoDB client), each in a fresh interpreter, interleaved.
     Headline: ratio of the medians of the time measured inside the process around
     the import, goal <= 1.25; and the same ratio for ``import app`` plus creating every
     table's DynamoDB client ("app+client"), goal <= 2.0. Also: whole-process wall time,
     max RSS after the import, and the slowest modules from ``-X importtime``.
  2. Peak memory (max RSS) of one process that holds only the service (the app and its
     AWS clients, moto in another process) and serves every use case of 3., goal < 150 MB;
     for information, that of the process of 3. (moto included, so it overstates a Lambda).
  3. DynamoDB calls per API use case, counted with a botocore event handler on
     ``before-call.dynamodb`` (the event system, no patching of the client).
  4. The outbox sender (``drain()``), moto in process, same provisioning as 2./3.:
     a. throughput draining 2,000 queued messages with the rate limit lifted (all must be sent,
        checked against moto's SES); b. achieved send rate under ``RateLimiter(R)`` (real clock),
        from the time of each SES send, against R; c. DynamoDB calls per message sent in a.;
     then the peak RSS of that process.
  5. Workshops: a. DynamoDB calls of the workshop use cases (create, list, register with a free place and onto
     the waiting list, cancel with promotion, CSV export), in process as 2./3. but with ``tools.moto_patches``;
     goal for register: one TransactWriteItems and at most one read (a TransactGetItems); no Scan anywhere.
     b. registrations per second over HTTP against ``tools.local_stack.running_stack`` (as ``make run``) from
     20 client threads: a 1000-place workshop (all confirmed), then a 30-place one (most wait); latency p50/p95,
     non-201 responses, and the workshop's confirmed + waiting counts checked against the 201s.

Modules (one per figure group)
  ``__main__``  runs the sections in order after a header; ``--worker KIND OUT`` runs a section's child process
  ``common``    environment, subprocess helpers, verdict and ms formatting, the Context/UseCase types
  ``goals``     every numeric goal
  ``service``   every name the bench takes from ``app`` and ``chalicelib`` (one import each)
  ``serving``   in process: the DynamoDB call counter, moto + the app, serving a list of use cases
  ``imports``   1. cold start
  ``use_cases`` the API use cases of 2. and 3.
  ``requests``  2./3. in-process requests (and the in-process memory figure)
  ``memory``    2. the service-only process's peak memory
  ``outbox``    4. the outbox sender
  ``workshops`` 5a. the workshop use cases' DynamoDB calls
  ``http``      5b. registrations over HTTP

Adding a capability (workshops...)
  * an HTTP use case: append a :class:`~tools.bench.common.UseCase` to ``use_cases.USE_CASES`` (paths and
    bodies may be callables of the :class:`~tools.bench.common.Context`, e.g. to follow a cursor or reuse an id
    created by an earlier row; ``setup`` runs before the counted request);
  * a non-HTTP measurement (e.g. sender throughput): a ``UseCase`` with ``run`` set, returning a status-like
    int, or a new module with a section function added to ``SECTIONS`` in ``__main__`` (with a worker process
    of its own, listed in ``WORKERS``, when it needs moto, as :mod:`tools.bench.outbox` does).

Environment: ``BENCH_IMPORT_RUNS`` (default 9) import runs per side; ``BENCH_OUTBOX_RATE`` (default:
prod's ``SES_MAX_SEND_RATE``) and ``BENCH_OUTBOX_RATE_MESSAGES`` (default: 7.5 s worth) for 4b;
``BENCH_WORKSHOP_REGISTRATIONS`` (default 600) and ``BENCH_WORKSHOP_WAITING_REGISTRATIONS`` (default 150) for 5b.
These modules only import the standard library (and each other) at top level: the parent process
stays light, the work happens in subprocesses.
"""
