"""The testing kit for users' own test suites (install the ``testing`` extra).

- :mod:`mallcore.testing.strategies`: Hypothesis strategies for every domain type.
- :mod:`mallcore.testing.fakes`: scriptable fakes for the ports (clock, gateway, courier).
- :mod:`mallcore.testing.contracts`: suites every adapter of a port must pass.

``import mallcore`` never imports this package, hypothesis or pytest.
"""

__all__: list[str] = []
