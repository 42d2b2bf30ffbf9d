"""The web app: server-rendered pages and a JSON API over the same core (`mlcoach serve`)."""

from mlcoach.web.app import create_app

__all__ = ["create_app"]
