#!/bin/sh
# Starts ayb-api.fcgi processes with spawn-fcgi for nginx:
#   spawn-fcgi.sh tcp    on 127.0.0.1:9000            (examples/nginx-tcp.conf)
#   spawn-fcgi.sh unix   on /run/ayb/api.sock, 0660   (examples/nginx-unix.conf)
# spawn-fcgi forks the processes and exits; their PIDs are in the pid file
# and `kill $(cat /run/ayb/spawn-fcgi.pid)` stops them, each after the
# request it is answering.  Run it as root: the processes drop to AYB_USER.
#
# Every setting can be overridden from the environment:
set -eu
: "${AYB_FCGI:=/usr/libexec/ayb-c/ayb-api.fcgi}"
: "${AYB_CONFIG:=/etc/ayb/ayb.conf}"
: "${AYB_USER:=ayb}"            # runs the processes: reads AYB_CONFIG, writes data_path
: "${AYB_GROUP:=ayb}"
: "${AYB_PROCESSES:=4}"         # one request at a time each: one or two per CPU
: "${AYB_ADDR:=127.0.0.1}"      # tcp: never 0.0.0.0 unless a firewall stands in front
: "${AYB_PORT:=9000}"
: "${AYB_SOCKET:=/run/ayb/api.sock}"
: "${AYB_SOCKET_GROUP:=www-data}"   # nginx's workers: the only other group allowed in
: "${AYB_PIDFILE:=/run/ayb/spawn-fcgi.pid}"
# tcp: the web servers allowed to connect, comma-separated IPv4 addresses.
: "${FCGI_WEB_SERVER_ADDRS:=127.0.0.1}"
export AYB_CONFIG FCGI_WEB_SERVER_ADDRS

mkdir -p "$(dirname "$AYB_PIDFILE")"
case "${1:-}" in
tcp)
	exec spawn-fcgi -a "$AYB_ADDR" -p "$AYB_PORT" -F "$AYB_PROCESSES" \
		-u "$AYB_USER" -g "$AYB_GROUP" -P "$AYB_PIDFILE" -- "$AYB_FCGI"
	;;
unix)
	mkdir -p "$(dirname "$AYB_SOCKET")"
	exec spawn-fcgi -s "$AYB_SOCKET" -M 0660 -U "$AYB_USER" -G "$AYB_SOCKET_GROUP" \
		-F "$AYB_PROCESSES" -u "$AYB_USER" -g "$AYB_GROUP" -P "$AYB_PIDFILE" -- "$AYB_FCGI"
	;;
*)
	echo "usage: $0 tcp|unix" >&2
	exit 2
	;;
esac
