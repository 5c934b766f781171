# A clean make run: $(shell ...) at parse time and a recipe with a pipe.
WORDS := $(shell printf 'b\na\n' | sort | tr -d '\n')
COUNT := $(shell ls / | wc -l)

all:
	@echo "$(WORDS) $(COUNT)" | cat >/dev/null
	@echo ok
