import sys

from divobench_pipeline.cli import main

sys.exit(main())
