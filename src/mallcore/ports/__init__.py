"""mallcore.ports (being built)."""

__all__: list[str] = []
