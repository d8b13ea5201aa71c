"""The web app of ``runform serve``: server-rendered pages and a JSON API over
:mod:`runform.service`.

>>> from runform.web import create_app          # doctest: +SKIP
>>> app = create_app(Settings.load("data"))      # doctest: +SKIP
"""

from runform.web.app import create_app

__all__ = ["create_app"]
