"""Infrastructure tests: they package the app in a subprocess and never import ``app`` or ``chalicelib`` here.

Their marker lets a run leave them out (``-m "not infrastructure"``), e.g. on a machine without a
package index the first time (``chalice package`` downloads Lambda wheels, then caches them).
"""


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "infrastructure: packages the app with `chalice package` in a subprocess (needs a package "
                   "index the first time); never imports the app into the test process")
