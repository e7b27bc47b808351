# Busybox sh exercise for the kernel core: pipelines, redirections, subshells, command
# substitution, background jobs + wait, trap, a loop of 1000 fork+exec, and file work in /tmp.
# Run natively (chrooted into the same busybox root) and on pykerla; output must match.
set -u
dir=/tmp/shell_core.$$
mkdir -p "$dir" && cd "$dir" || exit 1

echo "== pipelines"
printf 'b\na\nc\n' | sort | tr 'a-z' 'A-Z' | head -n 2
seq 1 100 | grep 7 | wc -l

echo "== redirections"
echo one > f1
echo two >> f1
cat < f1
ls nonexistent 2> err.txt; echo "status $?"
wc -l < err.txt | tr -d ' '
{ echo out; echo err >&2; } > both.txt 2>&1
sort both.txt
exec 3> fd3.txt; echo via-fd3 >&3; exec 3>&-; cat fd3.txt

echo "== subshells and substitution"
x=outer; (x=inner; echo "in $x"); echo "out $x"
n=$(echo hello | wc -c); echo "chars $n"
echo "nested $(echo $(echo deep))"
(cd /; pwd); pwd | sed "s|$dir|DIR|"

echo "== background and wait"
(sleep 1; echo late) & p1=$!
(echo early) & p2=$!
wait $p2; echo "p2 done $?"
wait $p1; echo "p1 done $?"
(exit 7) & wait $!; echo "bg status $?"

echo "== trap"
trap 'echo caught USR1' USR1
kill -USR1 $$
trap 'echo exiting trap' EXIT
sh -c 'trap "echo child got TERM; exit 5" TERM; kill -TERM $$; sleep 5'; echo "child status $?"
sh -c 'kill -KILL $$'; echo "killed status $?"

echo "== fork+exec loop"
i=0; sum=0
while [ $i -lt 1000 ]; do
  v=$(/bin/echo $i)
  sum=$((sum + v)); i=$((i + 1))
done
echo "sum $sum"

echo "== files in /tmp"
mkdir -p a/b/c && touch a/b/c/file && ln -s a/b/c link
ls link; mv a/b/c/file a/moved; ls a
for i in 1 2 3 4 5; do echo "line $i" >> data; done
tail -n 2 data; grep -c line data
cp data data2; cmp data data2 && echo same
rm -r a link data data2
ls | sort
cd /; rm -r "$dir"; [ -e "$dir" ] || echo "cleaned"
