# bash completion for lockgraph.  Options are read from the command's own --help
# (cached per command in the shell), so completion never disagrees with the
# program that is installed.
_lockgraph_opts()
{
    local cmd=$1 var=_lockgraph_opts_cache_$1
    if [[ -z ${!var-} ]]; then
        printf -v "$var" '%s' "$("${COMP_WORDS[0]}" "$cmd" --help 2>/dev/null |
            grep -oE -- '--[a-z][a-z-]*=?' | sort -u | tr '\n' ' ')"
    fi
    printf '%s' "${!var}"
}

_lockgraph()
{
    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
    local cmd="" i
    for ((i = 1; i < COMP_CWORD; i++)); do
        case ${COMP_WORDS[i]} in
            run|report|dump) cmd=${COMP_WORDS[i]}; break ;;
        esac
    done
    if [[ -z $cmd ]]; then
        COMPREPLY=($(compgen -W "run report dump --help --version" -- "$cur"))
        return
    fi
    if [[ $cmd == run ]]; then
        # PROG is the first word that is neither an option nor an option's value
        # (or the word after --): complete it as a command, its arguments as files
        local j w prog=-1 valued
        valued=" $(_lockgraph_opts run) "
        for ((j = i + 1; j < COMP_CWORD; j++)); do
            w=${COMP_WORDS[j]}
            if [[ $w == -- ]]; then prog=$((j + 1)); break; fi
            if [[ $w == -* ]]; then
                [[ $w != *=* && $valued == *" $w= "* ]] && ((j++))
                continue
            fi
            prog=$j
            break
        done
        if ((prog >= 0 && COMP_CWORD >= prog)); then
            if ((COMP_CWORD == prog)); then
                COMPREPLY=($(compgen -c -- "$cur"))
            else
                COMPREPLY=($(compgen -f -- "$cur"))
            fi
            return
        fi
    fi
    case $cur in
        --format=*)
            COMPREPLY=($(compgen -W "text html json sarif junit dot" -- "${cur#*=}")); return ;;
        --graph=*)
            COMPREPLY=($(compgen -W "cycles all" -- "${cur#*=}")); return ;;
        --on-deadlock=*)
            COMPREPLY=($(compgen -W "exit abort wait" -- "${cur#*=}")); return ;;
        --trace-children=*)
            COMPREPLY=($(compgen -W "yes no" -- "${cur#*=}")); return ;;
        --fail-on=*)
            local kinds
            kinds=$("${COMP_WORDS[0]}" dump --names 2>/dev/null | awk '$1 == "kind" {print $3}')
            COMPREPLY=($(compgen -W "$kinds all none" -- "${cur#*=}")); return ;;
        --output=*|--suppressions=*)
            COMPREPLY=($(compgen -f -- "${cur#*=}")); return ;;
        --source-root=*)
            COMPREPLY=($(compgen -d -- "${cur#*=}")); return ;;
        -*)
            COMPREPLY=($(compgen -W "$(_lockgraph_opts "$cmd")" -- "$cur"))
            [[ ${COMPREPLY[0]-} == *= ]] && compopt -o nospace 2>/dev/null
            return ;;
    esac
    case $prev in
        --format) COMPREPLY=($(compgen -W "text html json sarif junit dot" -- "$cur")); return ;;
        -o|--output|--suppressions) COMPREPLY=($(compgen -f -- "$cur")); return ;;
        --source-root) COMPREPLY=($(compgen -d -- "$cur")); return ;;
    esac
    if [[ $cmd == run ]]; then
        COMPREPLY=($(compgen -c -- "$cur"))
    else
        COMPREPLY=($(compgen -f -X '!*.log' -- "$cur") $(compgen -d -- "$cur"))
    fi
}
complete -F _lockgraph lockgraph
