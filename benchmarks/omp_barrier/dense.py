"""applications.dense with the OpenMP barrier (see benchmarks.omp_barrier)."""
from benchmarks.omp_barrier import run

if __name__ == "__main__":
    run("applications.dense")
