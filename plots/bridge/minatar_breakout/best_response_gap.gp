# best_response_gap.gp — written by stackelberg; data in best_response_gap.dat.
# Render: gnuplot best_response_gap.gp            (PNG)
#         gnuplot -e "fmt='svg'" best_response_gap.gp   (SVG)
if (!exists("fmt")) fmt = "png"
if (fmt eq "svg") {
    set terminal svg size 1040,1200 dynamic enhanced font "Helvetica,12" background rgb "white"
    set output "best_response_gap.svg"
} else {
    set terminal pngcairo size 1040,1200 enhanced font "Helvetica,11" background rgb "white"
    set output "best_response_gap.png"
}
datafile = "best_response_gap.dat"
set encoding utf8
set multiplot layout 3,2 columnsfirst title "the follower's best-response gap and the curvature of its loss ∇²₂₂f₂ over training" font ",12"
set termoption noenhanced
unset logscale
unset nonlinear y
unset label
unset arrow
unset colorbox
unset xzeroaxis
unset yzeroaxis
set autoscale
set ytics auto
set y2tics auto
unset y2tics
set ytics mirror
unset xlabel
unset ylabel
unset cblabel
set format x "%.1s%c"
set format y "% h"
set size noratio
set offsets 0, 0, 0, 0
set key default
set key top right font ",8" samplen 2
set grid
set title "dqn-monolithic: ‖∇₂f₂‖ and loss drop f₂ − f₂(K more steps) (seed 0)" font ",10"
set xlabel "environment steps"
set ylabel "window mean"
set logscale y
set format y "%.0e"

plot datafile index 0 using 1:2 with lines lw 1.5 dt 1 lc rgb '#1f77b4' title "‖∇₂f₂‖", \
     datafile index 1 using 1:2 with lines lw 1.5 dt 1 lc rgb '#d62728' title "loss drop"
unset logscale
unset nonlinear y
unset label
unset arrow
unset colorbox
unset xzeroaxis
unset yzeroaxis
set autoscale
set ytics auto
set y2tics auto
unset y2tics
set ytics mirror
unset xlabel
unset ylabel
unset cblabel
set format x "%.1s%c"
set format y "% h"
set size noratio
set offsets 0, 0, 0, 0
set key default
set key top right font ",8" samplen 2
set grid
set title "dqn-monolithic: extreme eigenvalues of ∇²₂₂f₂ (Lanczos; symmetric log scale) (seed 0)" font ",10"
set xlabel "environment steps"
set ylabel "eigenvalue"

set nonlinear y via asinh(y/1.0) inverse 1.0*sinh(y)
set yrange [-164.77376:4643.4454]
set ytics ("0" 0, "1e0" 1.0, "-1e0" -1.0, "1e1" 10.0, "-1e1" -10.0, "1e2" 100.0, "-1e2" -100.0, "1e3" 1000.0, "-1e3" -1000.0, "1e4" 10000.0, "-1e4" -10000.0)
set xzeroaxis lt 1 lc rgb '#888888'
plot datafile index 2 using 1:2 with lines lw 1.5 dt 1 lc rgb '#1f77b4' title "λmax", \
     datafile index 3 using 1:2 with lines lw 1.5 dt 1 lc rgb '#d62728' title "λmin"
unset logscale
unset nonlinear y
unset label
unset arrow
unset colorbox
unset xzeroaxis
unset yzeroaxis
set autoscale
set ytics auto
set y2tics auto
unset y2tics
set ytics mirror
unset xlabel
unset ylabel
unset cblabel
set format x "%.1s%c"
set format y "% h"
set size noratio
set offsets 0, 0, 0, 0
set key default
set key top right font ",8" samplen 2
set grid
set title "dqn-monolithic: fraction of indefinite Hessians (window mean) (seed 0)" font ",10"
set xlabel "environment steps"
set ylabel "fraction"

set yrange [-0.05:1.05]
plot datafile index 4 using 1:2 with lines lw 1.5 dt 1 lc rgb '#1f77b4' title "indefinite"
unset logscale
unset nonlinear y
unset label
unset arrow
unset colorbox
unset xzeroaxis
unset yzeroaxis
set autoscale
set ytics auto
set y2tics auto
unset y2tics
set ytics mirror
unset xlabel
unset ylabel
unset cblabel
set format x "%.1s%c"
set format y "% h"
set size noratio
set offsets 0, 0, 0, 0
set key default
set key top right font ",8" samplen 2
set grid
set title "dqn-scorer: ‖∇₂f₂‖ and loss drop f₂ − f₂(K more steps) (seed 0)" font ",10"
set xlabel "environment steps"
set ylabel "window mean"
set logscale y
set format y "%.0e"

plot datafile index 5 using 1:2 with lines lw 1.5 dt 1 lc rgb '#1f77b4' title "‖∇₂f₂‖", \
     datafile index 6 using 1:2 with lines lw 1.5 dt 1 lc rgb '#d62728' title "loss drop"
unset logscale
unset nonlinear y
unset label
unset arrow
unset colorbox
unset xzeroaxis
unset yzeroaxis
set autoscale
set ytics auto
set y2tics auto
unset y2tics
set ytics mirror
unset xlabel
unset ylabel
unset cblabel
set format x "%.1s%c"
set format y "% h"
set size noratio
set offsets 0, 0, 0, 0
set key default
set key top right font ",8" samplen 2
set grid
set title "dqn-scorer: extreme eigenvalues of ∇²₂₂f₂ (Lanczos; symmetric log scale) (seed 0)" font ",10"
set xlabel "environment steps"
set ylabel "eigenvalue"

set nonlinear y via asinh(y/1.0) inverse 1.0*sinh(y)
set yrange [-291.32644:9486.228]
set ytics ("0" 0, "1e0" 1.0, "-1e0" -1.0, "1e1" 10.0, "-1e1" -10.0, "1e2" 100.0, "-1e2" -100.0, "1e3" 1000.0, "-1e3" -1000.0, "1e4" 10000.0, "-1e4" -10000.0)
set xzeroaxis lt 1 lc rgb '#888888'
plot datafile index 7 using 1:2 with lines lw 1.5 dt 1 lc rgb '#1f77b4' title "λmax", \
     datafile index 8 using 1:2 with lines lw 1.5 dt 1 lc rgb '#d62728' title "λmin"
unset logscale
unset nonlinear y
unset label
unset arrow
unset colorbox
unset xzeroaxis
unset yzeroaxis
set autoscale
set ytics auto
set y2tics auto
unset y2tics
set ytics mirror
unset xlabel
unset ylabel
unset cblabel
set format x "%.1s%c"
set format y "% h"
set size noratio
set offsets 0, 0, 0, 0
set key default
set key top right font ",8" samplen 2
set grid
set title "dqn-scorer: fraction of indefinite Hessians (window mean) (seed 0)" font ",10"
set xlabel "environment steps"
set ylabel "fraction"

set yrange [-0.05:1.05]
plot datafile index 9 using 1:2 with lines lw 1.5 dt 1 lc rgb '#1f77b4' title "indefinite"
unset multiplot

unset output
