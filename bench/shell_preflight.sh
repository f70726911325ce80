#!/usr/bin/env bash
# The built-in preflight of flightcheck (rules/preflight.yaml, --role master) done "the shell way",
# as DC/OS's generated dcos_install.sh did its node preflight (reference/dcos-installer.md §3):
# one external command per fact (`command -v`, `docker info`, `getent`, `findmnt`, `sort -V`,
# grep over /proc/net/*), one PASS/FAIL line per check, exit code = number of failures.
#
# It is the baseline of bench/run.sh, so it must check what flightcheck checks, not less:
#   - every rule of the master preflight has a line here (23 lines for 17 rules: some rules check
#     several things, e.g. 8 binaries, 27 ports);
#   - DC/OS's known defects are fixed the way flightcheck fixes them, because a defective check is
#     not the same check: ports are matched in UPPERCASE hex and only in the LISTEN state (TCP 0A)
#     or the unconnected state (UDP 07), tcp ports only in tcp/tcp6 and udp ports only in udp/udp6;
#     the Docker version comes from `docker version --format` (as DC/OS 2.0 did), not awk; the
#     script never exits early on an existing installation;
#   - where DC/OS was cheaper than that (no DNS, clock, kernel, /opt, resources checks at all) the
#     checks are added in the same one-command-per-fact style.
#
# It is deliberately not slower than it needs to be: `docker info` runs once (DC/OS HEAD ran it
# twice: once for "is Docker running", once for the storage driver), and the port check runs one
# grep per port and protocol (DC/OS ran a 4-process pipeline `cat | cut | cut | grep` per port).
#
# Usage: shell_preflight.sh [--ports-once] DOCKER_SOCKET [DNS_NAME [RESOLVER[:PORT]...]]
#   --ports-once   not DC/OS's way: read /proc/net/{tcp,tcp6,udp,udp6} once and match every port
#                  with bash's own [[ =~ ]] (no process per port): the best a shell script can do,
#                  for the README's comparison
#   DOCKER_SOCKET  the Engine API socket, passed as `docker -H unix://DOCKER_SOCKET`
#   DNS_NAME       the name every resolver must answer for (default: localhost)
#   RESOLVER       resolvers to query (default: the nameserver lines of /etc/resolv.conf)
# Environment: DOCKER=/path/to/docker (default: /usr/bin/docker if it exists, else `docker`).
# Resolver check: `dig @RESOLVER -p PORT NAME A` per resolver when dig is installed (Debian
# bind9-dnsutils), else `nslookup -port=PORT NAME RESOLVER`, else `getent hosts NAME`, which goes
# through NSS and cannot ask one resolver: the line says which tool was used.
# Clock check: `adjtimex --print` (Debian adjtimex: the same adjtimex(2) call flightcheck makes),
# else `timedatectl show` (needs systemd as PID 1 and D-Bus), else the check cannot be done (FAIL).
set +e
set -u

PORTS_ONCE=0
if [[ ${1:-} == --ports-once ]]; then PORTS_ONCE=1; shift; fi
if [[ $# -lt 1 ]]; then
  echo "Usage: $0 [--ports-once] DOCKER_SOCKET [DNS_NAME [RESOLVER[:PORT]...]]" >&2
  exit 64
fi
SOCK=$1
DNS_NAME=${2:-localhost}
shift
[[ $# -gt 0 ]] && shift
RESOLVERS=("$@")
ROLES=master
if [[ -z ${DOCKER:-} ]]; then
  if [[ -x /usr/bin/docker ]]; then DOCKER=/usr/bin/docker; else DOCKER=docker; fi
fi

OVERALL_RC=0
WARNINGS=0

# DC/OS: print_status rc [extra] → "PASS extra" / "FAIL extra"; we add WARN for severity: warn.
print_status() {
  if [[ $1 -eq 0 ]]; then echo "PASS ${2:-}"; else echo "FAIL ${2:-}"; fi
}
fail_if() {  # rc text
  print_status "$1" "${2:-}"
  (( OVERALL_RC += $1 ))
}
warn_if() {  # rc text
  if [[ $1 -eq 0 ]]; then echo "PASS ${2:-}"; else echo "WARN ${2:-}"; (( WARNINGS += 1 )); fi
}

# DC/OS: version_gt via sort -V; "A >= B" is "B is the lowest of the two".
version_ge() {
  [[ "$(printf '%s\n%s\n' "$1" "$2" | sort -V | head -n 1)" == "$2" ]]
}

check_command_exists() {  # DC/OS: $( command -v $COMMAND >/dev/null 2>&1 || exit 1 )
  local command=$1 display=${2:-$1}
  echo -n "Checking if $display is installed and in PATH: "
  $(command -v "$command" >/dev/null 2>&1 || exit 1)
  local rc=$?
  fail_if $rc
  return $rc
}

echo "Running preflight checks"

# install.absent, install.no-systemd-target (DC/OS check_preexisting_dcos; no early exit here).
echo -n "Checking if DC/OS is already installed: "
if [[ -d /etc/systemd/system/dcos.target ]] || [[ -d /etc/systemd/system/dcos.target.wants ]] ||
   [[ -e /etc/systemd/system/dcos.target ]] ||
   ( [[ -e /opt/mesosphere ]] && { [[ ! -d /opt/mesosphere ]] || [[ -n "$(ls -A /opt/mesosphere)" ]]; } ); then
  fail_if 1 "(Currently installed)"
else
  fail_if 0 "(Not installed)"
fi

# selinux.not-enforcing (DC/OS check_selinux: getenforce; without it, what getenforce reads).
if command -v getenforce >/dev/null 2>&1; then
  SELINUX_MODE=$(getenforce)
elif [[ -r /sys/fs/selinux/enforce ]]; then
  if [[ $(cat /sys/fs/selinux/enforce) == 1 ]]; then SELINUX_MODE=Enforcing; else SELINUX_MODE=Permissive; fi
else
  SELINUX_MODE=Disabled
fi
[[ $SELINUX_MODE != Enforcing ]]
fail_if $? "Is SELinux disabled or permissive? ($SELINUX_MODE)"

# DC/OS check_sort_capability.
$(echo '1' | sort -V >/dev/null 2>&1 || exit 1)
if [[ $? -ne 0 ]]; then
  echo "Disabling version checking as sort -V is not available"
  DISABLE_VERSION_CHECK=1
fi

# docker.installed, docker.running, docker.version, docker.storage-driver.
DOCKER_RUNNING=1
DOCKER_INFO=""
if check_command_exists "$DOCKER" docker; then
  echo -n "Checking if Docker is running: "
  DOCKER_INFO=$("$DOCKER" -H "unix://$SOCK" info 2>/dev/null)
  DOCKER_RUNNING=$?
  fail_if $DOCKER_RUNNING
  if [[ $DOCKER_RUNNING -eq 0 ]]; then
    DOCKER_VERSION=$("$DOCKER" -H "unix://$SOCK" version --format '{{.Server.Version}}' 2>/dev/null)
    echo -n "Checking docker version requirement (>= 1.13.1): "
    if [[ -z ${DISABLE_VERSION_CHECK:-} ]]; then
      version_ge "${DOCKER_VERSION:-0}" 1.13.1
      fail_if $? "(${DOCKER_VERSION:-0})"
    fi
    echo -n "Checking Docker is configured with a production storage driver: "
    storage_driver=$(echo "$DOCKER_INFO" | grep 'Storage Driver' | awk '{print $3}')
    data_file=$(echo "$DOCKER_INFO" | grep 'Data file:' | awk '{print $3}')
    rc=0
    case $storage_driver in overlay2|overlay) ;; *) rc=1 ;; esac
    [[ $data_file == /dev/loop* ]] && rc=1
    fail_if $rc "(${storage_driver}${data_file:+, $data_file})"
  fi
fi

# opt.on-root: findmnt names the mount point that holds /opt.
echo -n "Checking if /opt is on the root filesystem: "
OPT_MOUNT=$(findmnt -n -o TARGET --target /opt)
[[ $OPT_MOUNT == / ]]
fail_if $? "($OPT_MOUNT)"

# clock.synced: adjtimex(2) status (STA_UNSYNC = 64, return 5 = TIME_ERROR) and maxerror <= 100 ms.
echo -n "Checking if the system clock is synchronized: "
NTP_DAEMON=$(ps -e -o comm= | grep -m 1 -xE 'chronyd|ntpd|systemd-timesyn|openntpd')
if command -v adjtimex >/dev/null 2>&1; then
  ADJ=$(adjtimex --print 2>/dev/null)
  status=$(echo "$ADJ" | awk '$1 == "status:" {print $2}')
  maxerror=$(echo "$ADJ" | awk '$1 == "maxerror:" {print $2}')
  retval=$(echo "$ADJ" | awk '$1 == "return" {print $4}')
  rc=0
  if [[ -z $status || -z $maxerror ]] || (( status & 64 )) || [[ $retval == 5 ]] || (( maxerror > 100000 )); then rc=1; fi
  fail_if $rc "(adjtimex: status ${status:-?}, maxerror ${maxerror:-?} us, ntp: ${NTP_DAEMON:-none})"
elif SYNC=$(timedatectl show -p NTPSynchronized --value 2>/dev/null); then
  [[ $SYNC == yes ]]
  fail_if $? "(timedatectl: NTPSynchronized=$SYNC, ntp: ${NTP_DAEMON:-none})"
else
  fail_if 1 "(neither adjtimex nor timedatectl can tell)"
fi

# dns.resolvers-answer: every resolver answers a query for DNS_NAME.
if [[ ${#RESOLVERS[@]} -eq 0 ]]; then
  mapfile -t RESOLVERS < <(awk '$1 == "nameserver" {print $2}' /etc/resolv.conf)
fi
echo -n "Checking if every resolver answers for $DNS_NAME: "
if [[ ${#RESOLVERS[@]} -eq 0 ]]; then
  fail_if 1 "(no resolver configured)"
else
  unanswered=()
  tool=getent
  command -v nslookup >/dev/null 2>&1 && tool=nslookup
  command -v dig >/dev/null 2>&1 && tool=dig
  for resolver in "${RESOLVERS[@]}"; do
    address=${resolver%:*} port=53
    [[ $resolver == *:* ]] && port=${resolver##*:}
    case $tool in
      dig) status=$(dig +time=2 +tries=1 -p "$port" "@$address" "$DNS_NAME" A | awk '/status:/ {sub(",", "", $6); print $6}')
           [[ -n $status ]] || unanswered+=("$resolver") ;;
      nslookup) nslookup -timeout=2 -retry=0 -port="$port" "$DNS_NAME" "$address" >/dev/null 2>&1 || unanswered+=("$resolver") ;;
      getent) getent hosts "$DNS_NAME" >/dev/null || unanswered+=("$resolver") ;;
    esac
  done
  [[ ${#unanswered[@]} -eq 0 ]]
  fail_if $? "($tool; unanswered: ${unanswered[*]:-none})"
fi

# binaries.required: DC/OS's list, one `command -v` each.
for COMMAND in curl bash ping tar xz unzip ipset systemd-notify; do
  check_command_exists "$COMMAND"
done

# group.nogroup
echo -n "Checking if group 'nogroup' exists: "
getent group nogroup >/dev/null
fail_if $?

# systemd.version (DC/OS: systemctl --version | head -1 | awk '{print $2}', >= 200 by sort -V).
if check_command_exists systemctl systemd; then
  SYSTEMD_VERSION=$(systemctl --version | head -1 | awk '{print $2}')
  echo -n "Checking systemd version requirement (>= 200): "
  version_ge "${SYSTEMD_VERSION:-0}" 200
  fail_if $? "(${SYSTEMD_VERSION:-0})"
fi

# kernel.version (DC/OS install-prereqs: uname -r, >= 3.10).
echo -n "Checking kernel version requirement (>= 3.10): "
KERNEL=$(uname -r)
version_ge "${KERNEL%%-*}" 3.10
fail_if $? "($KERNEL)"

# kernel.overlay-module: loaded (lsmod), built in (modules.builtin, /sys/module) or loadable (modules.dep).
echo -n "Checking if the overlay kernel module is available: "
if command -v lsmod >/dev/null 2>&1; then
  lsmod | grep -q '^overlay '
else
  grep -q '^overlay ' /proc/modules 2>/dev/null
fi
rc=$?
if [[ $rc -ne 0 ]]; then
  grep -q '/overlay\.ko' "/lib/modules/$(uname -r)/modules.builtin" 2>/dev/null ||
    [[ -d /sys/module/overlay ]] ||
    grep -q '/overlay\.ko[^:]*:' "/lib/modules/$(uname -r)/modules.dep" 2>/dev/null
  rc=$?
fi
fail_if $rc

# firewalld.inactive (warn)
echo -n "Checking if firewalld is not running: "
pgrep -x firewalld >/dev/null
[[ $? -eq 1 ]]
warn_if $?

# ports.master: DC/OS's check_service loop, one grep per port and protocol over /proc/net, with the
# hex in uppercase (as the kernel prints it) and only listening sockets.
check_service() {  # proto port name
  local proto=$1 port=$2 name=$3 state=0A files=(/proc/net/tcp /proc/net/tcp6)
  [[ $proto == udp ]] && state=07 files=(/proc/net/udp /proc/net/udp6)
  echo -n "Checking if port $port/$proto (required by $name) is in use: "
  local rc=0
  if [[ $PORTS_ONCE -eq 1 ]]; then
    local table=$TCP_TABLE hex
    [[ $proto == udp ]] && table=$UDP_TABLE
    printf -v hex '%04X' "$port"
    [[ $table =~ :\ [0-9A-F]+:$hex\ [0-9A-F]+:[0-9A-F]+\ $state\  ]] && rc=1
  else
    grep -qE "^ *[0-9]+: [0-9A-F]+:$(printf '%04X' "$port") [0-9A-F]+:[0-9A-F]+ $state " "${files[@]}" 2>/dev/null && rc=1
  fi
  fail_if $rc
}
if [[ $PORTS_ONCE -eq 1 ]]; then
  TCP_TABLE=$(cat /proc/net/tcp /proc/net/tcp6 2>/dev/null)
  UDP_TABLE=$(cat /proc/net/udp /proc/net/udp6 2>/dev/null)
fi
for service in \
    "tcp 53 dcos-net" "tcp 80 adminrouter" "tcp 443 adminrouter" "tcp 1050 dcos-diagnostics" \
    "tcp 2181 zookeeper" "tcp 5050 mesos-master" "tcp 7070 cosmos" "tcp 8080 marathon" \
    "tcp 8101 dcos-oauth" "tcp 8123 mesos-dns" "tcp 8181 exhibitor" "tcp 9000 metronome" \
    "tcp 9942 metronome" "tcp 9990 cosmos" "tcp 15055 dcos-history" "tcp 36771 marathon" \
    "tcp 41281 zookeeper" "tcp 46839 metronome" "tcp 61053 mesos-dns" "tcp 61091 dcos-metrics" \
    "tcp 61420 dcos-net" "tcp 62080 dcos-net" "tcp 62501 dcos-net" \
    "udp 53 dcos-net" "udp 61053 mesos-dns" "udp 62080 dcos-net" "udp 62501 dcos-net"; do
  check_service $service
done

# resources.master (warn): nproc >= 4, memory >= 32 GB (free -b), and disk.master (warn): df.
echo -n "Checking if the master has 4 CPUs: "
CPUS=$(nproc)
[[ $CPUS -ge 4 ]]
warn_if $? "($CPUS)"
echo -n "Checking if the master has 32 GB of memory: "
MEMORY=$(free -b | awk '$1 == "Mem:" {print $2}')
[[ $MEMORY -ge 32000000000 ]]
warn_if $? "($MEMORY bytes)"
echo -n "Checking if the master has 120 GB of disk for /var/lib: "
DISK=$(df -B1 --output=size /var/lib | tail -n 1)
[[ $DISK -ge 120000000000 ]]
warn_if $? "($(echo $DISK) bytes)"

# DC/OS: every role token must be a known role.
for role in $ROLES; do
  if [[ $role != master && $role != slave && $role != slave_public ]]; then
    echo "FAIL Invalid role $role. Role must be one of {master,slave,slave_public}"
    (( OVERALL_RC += 1 ))
  fi
done

echo "Preflight: $OVERALL_RC failed, $WARNINGS warnings"
exit $OVERALL_RC
