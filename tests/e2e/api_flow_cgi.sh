#!/bin/sh
# The API flow once more with ayb-api.fcgi run as a plain CGI program.
AYB_E2E_MODE=cgi exec sh "$(dirname "$0")/api_flow.sh"
