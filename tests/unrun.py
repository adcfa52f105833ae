"""An executor that runs nothing: it notes which packages it was asked for, in order, and fails each."""


class NothingRuns:
    ships_packages = False

    def __init__(self):
        self.asked: list[str] = []  # the packages' keys, in the order they were handed out
        self.jobs: list = []

    def map_unordered(self, fn, jobs):
        for job in jobs:
            self.asked.append(job.ref.key)
            self.jobs.append(job)
            yield job, RuntimeError("not run")

    def close(self) -> None:
        pass
