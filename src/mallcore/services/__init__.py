"""mallcore.services (being built)."""

__all__: list[str] = []
