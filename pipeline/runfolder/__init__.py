"""The run folder: publishing runs atomically, history, and the caches behind reruns."""
