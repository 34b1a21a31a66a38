"""Delivery targets: one class per way a publication reaches its channel (S3 bucket, HTTPS push,
partner pull). Each delivers the local files of a plan and returns the receipt; a failure raises
DeliveryFailed, and the job's next attempt delivers to the same keys again."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path

from publisher.publications.plans import DeliveryPlan, OutputFile, Receipt
from shopcast.jobs.scratch import job_scratch
from shopcast.runtime import Runtime
from shopcast.settings import Settings

__all__ = ["DeliveryFailed", "DeliveryTarget", "LocalFile", "PullTarget", "deliver_files", "target_for"]


class DeliveryFailed(RuntimeError):
    """The target refused or could not be reached; a retry may succeed."""


@dataclass(frozen=True)
class LocalFile:
    """A publication's file, downloaded into the worker's scratch folder, and its delivered name."""

    path: Path
    name: str
    info: OutputFile


class DeliveryTarget(ABC):
    def __init__(self, settings: Settings, plan: DeliveryPlan):
        self.settings = settings
        self.plan = plan

    @abstractmethod
    def deliver(self, media: LocalFile, sidecars: list[LocalFile]) -> Receipt:
        """Put the files where the channel wants them; raises DeliveryFailed."""


class PullTarget(DeliveryTarget):
    """Nothing is pushed: the partner fetches the file through the partner API."""

    def deliver(self, media: LocalFile, sidecars: list[LocalFile]) -> Receipt:
        url = f"{self.settings.public_url}/v1/partner/clips/{self.plan.publication_id}"
        key = f"{self.plan.prefix}/{media.info.name}"
        extra = [{"key": f"{self.plan.prefix}/{s.info.name}", "language": s.info.language} for s in sidecars]
        return Receipt(url, key, media.info.size, media.info.sha256, None, extra)


def target_for(settings: Settings, plan: DeliveryPlan) -> DeliveryTarget:
    """The target class of the plan's channel."""
    if plan.target_type == "s3":
        from publisher.delivery.s3 import S3Target

        return S3Target(settings, plan)
    if plan.target_type == "https":
        from publisher.delivery.https import HttpsTarget

        return HttpsTarget(settings, plan)
    return PullTarget(settings, plan)


def deliver_files(runtime: Runtime, plan: DeliveryPlan) -> Receipt:
    """Fetch the publication's files from the object store and deliver them to the channel's target.
    Raises DeliveryFailed (a retry may succeed)."""
    with job_scratch(runtime.settings) as folder:
        local = []
        for info in [f for f in plan.files if f.delivered]:
            path = runtime.store.local_path(f"{plan.prefix}/{info.name}")
            if path is None:
                path = folder / info.name
                runtime.store.download_to(f"{plan.prefix}/{info.name}", path)
            local.append(LocalFile(path, info.name, info))
        media = local[0]
        sidecars = [f for f in local[1:] if f.info.delivered]
        return target_for(runtime.settings, plan).deliver(media, sidecars)
