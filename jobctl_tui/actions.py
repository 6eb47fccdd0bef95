"""The dashboard's actions: each builder prepares (in a thread, reading Redis if it must) an
Action whose question states exactly what will happen, with counts taken at that moment."""

from __future__ import annotations

from jobctl.display import escape
from jobctl_tui.format import count
from jobctl_tui.models import Action, ActionBuilder
from jobctl_tui.source import DataSource

REQUEUEABLE_LOCATIONS = ("failed", "canceled")


def _jobs(n: int, kind: str = "") -> str:
    return f"{count(n)} {kind + ' ' if kind else ''}job{'' if n == 1 else 's'}"


def _job(job_id: str, func: str) -> str:
    return f"job {escape(job_id)}" + (f" ({escape(func)})" if func else "")


def requeue_one(source: DataSource, queue: str, job_id: str, func: str) -> ActionBuilder:
    def build() -> Action:
        def run() -> str:
            done, _ = source.requeue([job_id])
            return f"Requeued {_job(job_id, func)}." if done else (
                f"Job {job_id} was not requeued: it changed or vanished meanwhile.")

        return Action(f"Requeue {_job(job_id, func)} in '{queue}'?",
                      f"It goes back to the end of queue '{queue}' and runs again.", run)
    return build


def requeue_matching(source: DataSource, queue: str, location: str, text: str) -> ActionBuilder:
    matching = f" matching '{escape(text)}'" if text else ""

    def build() -> Action | str:
        ids = source.matching_ids(queue, location, text)
        if not ids:
            return f"No {location} jobs in '{queue}'{matching}: nothing to requeue."

        def run() -> str:
            done, skipped = source.requeue(ids)
            extra = f"; {count(len(skipped))} skipped (changed meanwhile)" if skipped else ""
            return f"Requeued {_jobs(done)} in '{queue}'{extra}."

        return Action(f"Requeue {_jobs(len(ids), location)} in '{queue}'{matching}?",
                      f"They go back to the end of queue '{queue}' and run again. Jobs that "
                      f"changed meanwhile are skipped; jobs arriving later are not touched.", run)
    return build


def delete_one(source: DataSource, queue: str, job_id: str, func: str,
               status: str) -> ActionBuilder:
    def build() -> Action:
        def run() -> str:
            deleted = source.delete([job_id])
            return f"Deleted {_job(job_id, func)}." if deleted else f"Job {job_id} was gone."

        return Action(f"Delete {status} {_job(job_id, func)} from '{queue}'?",
                      "Its data, result and traceback are removed for good; this cannot be "
                      "undone.", run)
    return build


def cancel_one(source: DataSource, queue: str, job_id: str, func: str,
               status: str) -> ActionBuilder:
    def build() -> Action:
        def run() -> str:
            source.cancel(job_id)
            return f"Canceled {_job(job_id, func)}."

        return Action(f"Cancel {status} {_job(job_id, func)} in '{queue}'?",
                      "It will not run; it is kept in the canceled registry (it can be "
                      "requeued from there).", run)
    return build


def stop_job(source: DataSource, job_id: str, func: str, worker: str | None) -> ActionBuilder:
    on = f" on worker {escape(worker)}" if worker else ""

    def build() -> Action:
        def run() -> str:
            source.stop_job(job_id)
            return f"Sent stop to {_job(job_id, func)}{on}."

        return Action(f"Stop running {_job(job_id, func)}{on}?",
                      "The worker kills the job's process; the job ends as stopped (in the "
                      "failed registry, requeueable).", run)
    return build


def empty_queue(source: DataSource, queue: str) -> ActionBuilder:
    def build() -> Action | str:
        size = source.location_size(queue, "queued")
        if not size:
            return f"Queue '{queue}' is already empty."

        def run() -> str:
            return f"Deleted {_jobs(source.empty_queue(queue))} from '{queue}'."

        return Action(f"Empty queue '{queue}': delete its {_jobs(size, 'queued')}?",
                      "Their data is removed for good (jobs enqueued meanwhile too); running, "
                      "failed and finished jobs are not touched.", run)
    return build


def set_paused(source: DataSource, queue: str, paused: bool) -> ActionBuilder:
    def build() -> Action:
        def run() -> str:
            source.set_paused(queue, paused)
            return f"{'Paused' if paused else 'Resumed'} queue '{queue}'."

        if paused:
            return Action(f"Pause queue '{queue}'?",
                          "Workers take no new jobs from it; running jobs go on and "
                          "enqueueing still works.", run)
        return Action(f"Resume queue '{queue}'?",
                      "Workers start taking its queued jobs again.", run)
    return build


def stop_worker(source: DataSource, name: str, current_job: str | None) -> ActionBuilder:
    def build() -> Action:
        def run() -> str:
            source.stop_worker(name)
            return f"Sent warm shutdown to worker {escape(name)}."

        busy = f"finishes job {escape(current_job)}, then" if current_job else "is idle: it"
        return Action(f"Stop worker {escape(name)} (warm shutdown)?",
                      f"It {busy} exits and takes no new job.", run)
    return build
