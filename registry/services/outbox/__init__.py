"""The two webhook and e-mail jobs: DISPATCH turns events into deliveries
(`dispatch.py`), DELIVER sends them (`worker.py`).

Both are scheduler jobs `(deps, worker_id) -> work done` and safe to run in many
workers at once. Dispatch is idempotent: a delivery's id is derived from its
event and subscription. Delivery is at-least-once: a worker leases a batch from
the queue (`claims.py`, store/delivery_queue.py), prepares it (`batch.py`: the
subscriptions, SSRF verdicts, secrets and shared payloads it needs), sends it
through a fixed number of senders shared by the call's batches (`flow.py`), then
records its results in a few bulk writes (`recording.py`). Only the holder of a
lease can complete it, so a worker that dies after sending leaves the message to be
sent again with the same `webhook-id` once its lease has run out.
"""
