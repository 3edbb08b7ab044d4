from aiobgp.cli import main

raise SystemExit(main())
