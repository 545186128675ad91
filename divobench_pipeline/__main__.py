from divobench_pipeline.cli import run

run()
