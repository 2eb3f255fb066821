#!/usr/bin/env python3
"""The newsroom's side of scripts/bench-ops, on loopback:
  accepting PORT   a webhook endpoint answering 204 at once, keep-alive
  hanging PORT     accepts connections and never answers (a stuck webhook endpoint)
  classifier PORT  a moderation hook answering {"action": "publish"} at once, keep-alive
"""
import asyncio
import sys

ANSWER = b'{"action": "publish", "reasons": []}'
PUBLISH = (
    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
    + str(len(ANSWER)).encode()
    + b"\r\n\r\n"
    + ANSWER
)
NO_CONTENT = b"HTTP/1.1 204 No Content\r\n\r\n"


async def hang(reader, writer):
    try:
        while await reader.read(65536):
            pass
    finally:
        writer.close()


async def answer_each(reader, writer, response):
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n"):
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            await reader.readexactly(length)
            writer.write(response)
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()


async def main(mode, port):
    handler = {
        "accepting": lambda r, w: answer_each(r, w, NO_CONTENT),
        "hanging": hang,
        "classifier": lambda r, w: answer_each(r, w, PUBLISH),
    }[mode]
    server = await asyncio.start_server(handler, "127.0.0.1", port, backlog=1024)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2])))
