from ss_tui.cli import main

main()
