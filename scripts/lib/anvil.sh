# shellcheck shell=bash
# start_anvil LOGFILE: starts anvil on 127.0.0.1 at a free port, waits until it answers, and sets
# `rpc` (its URL) and `anvil_pid`. The code-size limit is lifted: the generated verifier of a
# k = 17 wrap is ~80 KB, over EIP-170's 24,576 bytes (`keel wrap --k 20` gives one that fits).
# Needs anvil and cast on PATH (`source .keel/env`). The caller stops it: kill "$anvil_pid".
start_anvil() {
    local port
    port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    rpc="http://127.0.0.1:$port"
    anvil --host 127.0.0.1 --port "$port" --disable-code-size-limit >"$1" 2>&1 &
    anvil_pid=$!
    for _ in $(seq 100); do
        cast chain-id --rpc-url "$rpc" >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    echo "anvil did not answer at $rpc (log: $1)" >&2
    return 1
}
