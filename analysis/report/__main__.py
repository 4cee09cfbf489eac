from analysis.report.render import main

main()
