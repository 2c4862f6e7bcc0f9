#   baseline_c.py: ingest baseline C: python3 + python3-zmq, PULL receive loop + json.loads,
#   driven by bench_ingest over stdout (endpoint, "warm", then the monotonic end time).
import json
import sys
import time

import zmq


def main():
    warm, n = int(sys.argv[1]), int(sys.argv[2])
    ctx = zmq.Context()
    pull = ctx.socket(zmq.PULL)
    pull.setsockopt(zmq.RCVHWM, 100000)
    pull.bind("tcp://127.0.0.1:*")
    print(pull.getsockopt(zmq.LAST_ENDPOINT).decode(), flush=True)
    recv, loads = pull.recv, json.loads
    for _ in range(warm):
        loads(recv())
    print("warm", flush=True)
    for _ in range(n):
        loads(recv())
    print("%.9f" % time.monotonic(), flush=True)
    pull.close(0)
    ctx.term()


if __name__ == "__main__":
    main()
