#!/usr/bin/env bash
# Issue 12 on one GPU lease (docs/speed.md, "On a GPU machine"): the CUDA tests and the benchmark,
# the paper-scale learning-rate search (its committed runs are reused), the figure nets at
# the `tenth` profile, then at the `paper` profile, then Table 1's seeds 1 and 2 there, as
# far as the lease goes.
#
#   bash experiments/gpu_lease.sh call S  # each device call: starts the plan once (detached,
#                                         # it outlives the call), then watches it for S s
#   bash experiments/gpu_lease.sh run     # the plan itself, in the foreground
#   bash experiments/gpu_lease.sh watch S # for S seconds: every minute, pack what exists
#                                         # into $OUT (records.tgz, logs.tgz, progress.txt)
#
# A call's command must not look for the plan with `pgrep -f "gpu_lease.sh run"`: that
# matches the call's own command line, and the plan never starts (it cost a lease 9 min).
#
# It trains in a snapshot of the repository ($LEASE/repo), so that the next call's copy of
# the working tree cannot touch a running job's files; each step runs once (a stamp in
# $LEASE) and training resumes from its checkpoints. Needs Hydra on PYTHONPATH (.whl/).
# `DRY=1 LEASE=/tmp/dry bash experiments/gpu_lease.sh run` tries the whole plan on a CPU.
set -u
LEASE=${LEASE:-/tmp/lease}
REPO=$LEASE/repo
# DRY=1: a dry run of the plan on any machine, at profile `smoke`, its runs in $LEASE/dry.
RUNS=results/runs # the suite's records (a plain run's default, runs/, is for a person's own)
DRY_RUN=("runs_dir=$REPO/$RUNS")
if [ -n "${DRY:-}" ]; then
    RUNS=$LEASE/dry
    DRY_RUN=(profile=smoke "runs_dir=$RUNS")
fi
train() { # a multirun through the lockstep launcher; a dry run's overrides come last: they win
    python3 -m experiments.train -m hydra/launcher=lockstep threads=4 progress=false "$@" \
        "${DRY_RUN[@]}"
}
SIGMOID_RATES=optim.lr=0.1,0.3,1.0 # as the Makefile's SIGMOID_PAPER_RATES (no make here)

step() { # name command...: run once, timed, its output in $LEASE/<name>.log
    local name=$1 t0
    shift
    [ -e "$LEASE/$name.ok" ] && return 0
    t0=$(date +%s)
    echo "$(date -u +%T) start $name" >>"$LEASE/steps.log"
    (cd "$REPO" && "$@") >"$LEASE/$name.log" 2>&1
    local rc=$?
    echo "$(date -u +%T) end $name rc=$rc $(($(date +%s) - t0)) s" >>"$LEASE/steps.log"
    [ $rc = 0 ] && touch "$LEASE/$name.ok"
    return $rc
}

plan() {
    nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv >"$LEASE/gpu.txt" 2>&1
    [ -n "${DRY:-}" ] || step bench python3 -m benchmarks.bench_train # alone on the GPU
    [ -n "${DRY:-}" ] || step gpu_tests python3 -m pytest -q -p no:cacheprovider -m gpu \
        tests/test_gpu.py &
    step lr_tanh_softsign train experiment=lr_search_paper &
    step lr_sigmoid train experiment=lr_search_paper activation=sigmoid $SIGMOID_RATES &
    step lr_sigmoid_d4 train experiment=lr_search_paper activation=sigmoid \
        init=standard model.depth=4 $SIGMOID_RATES &
    wait
    for s in lr_tanh_softsign lr_sigmoid lr_sigmoid_d4; do # no rates from a partial search
        [ -e "$LEASE/$s.ok" ] || return 1
    done
    step lr_choice python3 -m analysis.report.lr_search --paper --runs-dir "$RUNS" || return 1
    # The `tenth` profile first: minutes here against many CPU hours, and it fits a lease
    # (its figure nets as the quick profile's, both pre-trainings; `paper`: DAE only).
    step tenth_table1 train profile=tenth experiment=table1 &
    step tenth_fig2 train profile=tenth experiment=fig2 &
    step tenth_pretrain train profile=tenth experiment=pretrain &
    wait
    step paper_table1 train profile=paper experiment=table1 &
    step paper_fig2 train profile=paper experiment=fig2 &
    step paper_pretrain train profile=paper experiment=pretrain pretrain=dae &
    wait
    step paper_seeds train profile=paper experiment=table1 seed=1,2
}

pack() { # into $OUT, each file whole or not at all
    local keep=(--exclude=checkpoint.pt --exclude=.lock --exclude=.hydra --exclude=train.log)
    (cd "$REPO" && shopt -s nullglob && paths=(results/runs/lr_search_paper
        results/runs/dynamics/*profile=tenth* results/runs/dynamics/*profile=paper*
        results/lr_search_paper.* conf/learning_rates.yaml) &&
        tar czf "$OUT/records.tgz.tmp" "${keep[@]}" "${paths[@]}") &&
        mv "$OUT/records.tgz.tmp" "$OUT/records.tgz"
    (cd "$LEASE" && shopt -s nullglob && logs=(./*.log ./gpu*.txt) && [ ${#logs[@]} -gt 0 ] &&
        tar czf "$OUT/logs.tgz.tmp" "${logs[@]}") && mv "$OUT/logs.tgz.tmp" "$OUT/logs.tgz"
    (cd "$REPO" && python3 - >"$OUT/progress.txt" 2>&1) <<'EOF'
import csv, json, pathlib
for d in sorted(pathlib.Path("results/runs").glob("*/*/seed=*")):
    if not any(k in str(d) for k in ("lr_search_paper", "profile=paper", "profile=tenth")):
        continue
    s = json.loads((d / "summary.json").read_text()) if (d / "summary.json").exists() else {}
    rows = list(csv.DictReader(open(d / "metrics.csv"))) if (d / "metrics.csv").exists() else []
    last = rows[-1] if rows else {}
    print(s.get("status", "running"), last.get("examples"), last.get("valid_error"),
          last.get("wall_s"), d.relative_to("results/runs"))
EOF
    cp "$LEASE/steps.log" "$OUT/steps.txt" 2>/dev/null
}

case ${1:-} in
run)
    mkdir -p "$LEASE"
    [ -d "$REPO" ] || { mkdir -p "$REPO" && tar cf - --exclude=./.git --exclude=./.venv . |
        tar xf - -C "$REPO"; }
    plan
    echo "$(date -u +%T) plan ended" >>"$LEASE/steps.log"
    ;;
call)
    mkdir -p "$LEASE"
    if [ ! -e "$LEASE/started" ]; then
        touch "$LEASE/started"
        setsid nohup bash "$0" run >"$LEASE/driver.log" 2>&1 </dev/null &
    fi
    exec bash "$0" watch "${2:?seconds}"
    ;;
watch)
    end=$(($(date +%s) + ${2:?seconds}))
    while [ "$(date +%s)" -lt "$end" ]; do
        sleep $((end - $(date +%s) < 60 ? end - $(date +%s) : 60))
        pack
        grep -q "plan ended" "$LEASE/steps.log" 2>/dev/null && break
    done
    pack
    cat "$OUT/steps.txt" "$OUT/progress.txt" 2>/dev/null
    tail -n 25 "$LEASE/bench.log" "$LEASE/gpu_tests.log" "$LEASE/lr_choice.log" 2>/dev/null
    ;;
*) echo "usage: $0 call SECONDS | run | watch SECONDS" >&2 && exit 2 ;;
esac
