# Requests/s and p99 against connections, lookups and scans, with the one-connection
# pipelined pgbench rate as a reference line. Called by run.sh with dir='<results dir>'.
set terminal pngcairo size 1200,500 font ",10"
set output dir.'/chart.png'
set multiplot layout 1,2
set logscale x 2
set xlabel 'HTTP connections'
set ylabel 'requests/s'
set y2label 'p99 ms'
set ytics nomirror
set y2tics
set key outside bottom center horizontal
set grid
do for [w in "lookup scan"] {
  ref = system('cat '.dir.'/'.w.'-pgbench.dat')
  set title w.'s (pool max size 1 and 4)'
  plot dir.'/'.w.'.dat' using ($1==1 ? $2 : 1/0):3 with linespoints lw 2 title 'req/s, pool 1', \
       dir.'/'.w.'.dat' using ($1==4 ? $2 : 1/0):3 with linespoints lw 2 title 'req/s, pool 4', \
       dir.'/'.w.'.dat' using ($1==1 ? $2 : 1/0):4 axes x1y2 with linespoints dt 2 title 'p99, pool 1', \
       dir.'/'.w.'.dat' using ($1==4 ? $2 : 1/0):4 axes x1y2 with linespoints dt 2 title 'p99, pool 4', \
       ref+0 with lines lw 2 lc rgb 'black' title 'pgbench, 1 conn pipelined'
}
unset multiplot
