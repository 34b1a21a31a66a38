"""The baseline for bench/upload.py: the least a server can do with a PUT, write its bytes to a file."""

from __future__ import annotations

import os
import sys

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route


async def put(request: Request) -> Response:
    with open(os.environ["RAW_PUT_TARGET"], "wb") as target:
        async for chunk in request.stream():
            target.write(chunk)
    return Response(status_code=204)


app = Starlette(routes=[Route("/upload", put, methods=["PUT"])])

if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
