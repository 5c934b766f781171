# bash completion for fdaudit(1)                           -*- shell-script -*-
#
# Options, the words of -t, -f, --sort and --columns, users, command
# names, files where a file is asked for, and PIDs: a number completes to
# the PIDs it begins, a name to the PIDs of the processes it begins the
# command name of, so that "fdaudit ngi<TAB>" offers nginx's PIDs.

_fdaudit_pids()
{
	local cur=$1 dir pid comm

	for dir in /proc/[0-9]*; do
		pid=${dir#/proc/}
		if [[ $cur == [0-9]* ]]; then
			[[ $pid == "$cur"* ]] && printf '%s\n' "$pid"
		elif read -r comm 2>/dev/null <"$dir/comm" &&
		    [[ $comm == "$cur"* ]]; then
			printf '%s\n' "$pid"
		fi
	done
}

_fdaudit_commands()
{
	local dir comm

	for dir in /proc/[0-9]*; do
		read -r comm 2>/dev/null <"$dir/comm" && printf '%s\n' "$comm"
	done | sort -u
}

# Complete the last item of a comma-separated list from the words $2.
_fdaudit_list()
{
	local cur=$1 words=$2 head=

	[[ $cur == *,* ]] && head=${cur%,*},
	COMPREPLY=($(compgen -P "$head" -W "$words" -- "${cur##*,}"))
	[[ ${#COMPREPLY[@]} -gt 0 ]] && compopt -o nospace 2>/dev/null
}

_fdaudit_files()
{
	local IFS=$'\n'

	compopt -o filenames 2>/dev/null
	COMPREPLY=($(compgen -f -- "$1"))
}

_fdaudit_run()
{
	local cur=$1 prev=$2 i

	for ((i = 2; i < COMP_CWORD; i++)); do
		if [[ ${COMP_WORDS[i]} == -- || ${COMP_WORDS[i]} != -* &&
		    ${COMP_WORDS[i - 1]} != @(-f|-o|--format|--output|--suppressions|--threshold|--ignore-fd|--leak-exitcode) ]]; then
			# The command under test and its arguments.
			if ((i + 1 == COMP_CWORD)) && [[ ${COMP_WORDS[i]} == -- ]]; then
				COMPREPLY=($(compgen -c -- "$cur"))
			else
				_fdaudit_files "$cur"
			fi
			return
		fi
	done
	case $prev in
	-f | --format)
		COMPREPLY=($(compgen -W 'table json' -- "$cur"))
		return ;;
	-o | --output | --suppressions)
		_fdaudit_files "$cur"
		return ;;
	--threshold | --ignore-fd | --leak-exitcode)
		return ;;
	esac
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W '-h --help -f --format -o --output
		    --no-stacks --suppressions --no-default-suppressions
		    --threshold --ignore-fd --follow-forks --no-follow
		    --leak-exitcode --crossed-exec-fails --no-pin --no-preload
		    --' -- "$cur"))
	else
		COMPREPLY=($(compgen -c -- "$cur"))
	fi
}

_fdaudit_watch()
{
	local cur=$1 prev=$2

	case $prev in
	-i | -n)
		return ;;
	esac
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W '-h --help -i -n' -- "$cur"))
	else
		COMPREPLY=($(_fdaudit_pids "$cur"))
	fi
}

_fdaudit()
{
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
	local fdaudit=${COMP_WORDS[0]} i paths=false

	COMPREPLY=()
	case ${COMP_WORDS[1]} in
	run)
		((COMP_CWORD > 1)) && { _fdaudit_run "$cur" "$prev"; return; } ;;
	watch)
		((COMP_CWORD > 1)) && { _fdaudit_watch "$cur" "$prev"; return; } ;;
	esac
	case $prev in
	-t | --type)
		_fdaudit_list "$cur" 'file dir chr blk fifo socket eventfd epoll
		    inotify fanotify signalfd timerfd pidfd memfd io_uring bpf
		    perf_event userfaultfd namespace anon_inode unknown pipe reg
		    tcp udp unix netlink'
		return ;;
	-f | --format)
		COMPREPLY=($(compgen -W 'table json jsonl nagios prometheus' -- "$cur"))
		return ;;
	--sort)
		COMPREPLY=($(compgen -W 'usage open pid command user' -- "$cur"))
		return ;;
	--by)
		COMPREPLY=($(compgen -W 'unit process' -- "$cur"))
		return ;;
	--columns)
		_fdaudit_list "$cur" "$("$fdaudit" --list-columns 2>/dev/null |
		    sed -n 's/^\([A-Z_%]*\)  .*/\1/p' | tr 'A-Z' 'a-z')"
		return ;;
	-u | --user)
		COMPREPLY=($(compgen -u -- "$cur"))
		return ;;
	-C | --command)
		local IFS=$'\n'
		COMPREPLY=($(compgen -W "$(_fdaudit_commands)" -- "$cur"))
		return ;;
	-o | --output | --state)
		_fdaudit_files "$cur"
		return ;;
	-p | --pid)
		COMPREPLY=($(_fdaudit_pids "$cur"))
		return ;;
	-c | --crit | -w | --warn | --warn-count | --crit-count | --top | \
	    --leak-runs | --horizon | --min-span | --port)
		return ;;
	esac
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W '-a --all -C --command -c --crit -d
		    --descriptors -f --format -h --help -j -l --long -o --output
		    -p --pid -r --recursive -s --summary -t --type -u --user -V
		    --version -w --warn --warn-count --crit-count --top
		    --pid-label --by --no-peers --columns --list-columns --no-heading
		    --sort --path --port --state --leak-runs --horizon
		    --min-span' -- "$cur"))
		return
	fi
	for ((i = 1; i < COMP_CWORD; i++)); do
		[[ ${COMP_WORDS[i]} == --path ]] && paths=true
	done
	if $paths; then
		_fdaudit_files "$cur"
		return
	fi
	COMPREPLY=($(_fdaudit_pids "$cur"))
	((COMP_CWORD == 1)) &&
	    COMPREPLY+=($(compgen -W 'run watch' -- "$cur"))
}

complete -F _fdaudit fdaudit
