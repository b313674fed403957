"""What the HTTP benchmark serves besides the project: the floors (``bench_http.py``).

``settings`` is the project's settings plus one URLconf, ``urls`` adds a static JSON view (Django)
and a static DRF view under ``/api/v1/bench/`` in front of every project route, ``bare`` holds a
bare ASGI and a bare WSGI application that answer the same JSON without Django.
"""
