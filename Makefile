# The two commands of the README. Each first installs what is missing (scripts/setup.sh).
.PHONY: demo test setup

## make demo: set up what is missing, then run the local Cognito Hosted UI on http://localhost:9229
demo: setup
	@scripts/demo.sh

## make test: set up what is missing, then run every test and check
test: setup
	@scripts/test.sh

setup:
	@scripts/setup.sh
