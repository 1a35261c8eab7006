"""A test client speaking JSON to the REST API (the ``api_as`` fixture makes them)."""

from __future__ import annotations


class ApiClient:
    """A test client speaking JSON to /api/v1 with a user's bearer token."""

    def __init__(self, client, token: str):
        self.client = client
        self.headers = {"Authorization": f"Bearer {token}"}

    def _call(self, method, path, json=None, headers=None, **kwargs):
        url = path if path.startswith("/") else f"/api/v1/{path}"
        return self.client.open(
            url, method=method, json=json, headers={**self.headers, **(headers or {})}, **kwargs
        )

    def get(self, path, **kwargs):
        return self._call("GET", path, **kwargs)

    def post(self, path, json=None, **kwargs):
        return self._call("POST", path, json=json, **kwargs)

    def patch(self, path, json=None, **kwargs):
        return self._call("PATCH", path, json=json, **kwargs)

    def put(self, path, json=None, **kwargs):
        return self._call("PUT", path, json=json, **kwargs)

    def delete(self, path, **kwargs):
        return self._call("DELETE", path, **kwargs)
