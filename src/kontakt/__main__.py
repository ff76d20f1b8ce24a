from kontakt.quick import main

main()
