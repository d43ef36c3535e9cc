# best_response_gap.gp — written by stackelberg; data in best_response_gap.dat.
# Render: gnuplot best_response_gap.gp            (PNG)
#         gnuplot -e "fmt='svg'" best_response_gap.gp   (SVG)
if (!exists("fmt")) fmt = "png"
# The data is read from, and the figure written to, the script's own directory (ARG0 is the
# script's path as gnuplot was given it), whatever directory gnuplot runs in.
sb_dir = ""
sb_k = 0
if (exists("ARG0")) { sb_k = strlen(ARG0) }
while (sb_k > 0) { if (ARG0[sb_k:sb_k] eq "/") { sb_dir = ARG0[1:sb_k]; sb_k = 0 } else { sb_k = sb_k - 1 } }
if (fmt eq "svg") {
    set terminal svg size 1680,888 dynamic enhanced font "Helvetica,12" background rgb "white"
    set output sb_dir."best_response_gap.svg"
} else {
    set terminal pngcairo size 1680,888 enhanced font "Helvetica,11" background rgb "white"
    set output sb_dir."best_response_gap.png"
}
datafile = sb_dir."best_response_gap.dat"
set encoding utf8
set multiplot title "The follower's best-response gap and the curvature of its loss ∇²₂₂f₂ over training" font ",12"
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
set offsets 0, 0, 0, 0
set key default
set key bmargin center horizontal font ",9" samplen 2.5 spacing 1.1 width 1 height 1.5
set grid
set origin 0.0, 0.4864864864864865
set size noratio 0.3333333333333333, 0.47297297297297297
set title "dqn-monolithic (seeds 0, 1, 2)\n‖∇₂f₂‖ and |loss drop f₂ − f₂(K more steps)|\n24 of 468 drops negative (△: f₂ rose)" font ",10"
set xlabel "environment steps"

set ylabel "norm, |loss drop|"
set logscale y
set format y "%.0e"

plot datafile index 0 using 1:2 with lines lw 1.5 dt 1 lc rgb '#1f77b4' title "‖∇₂f₂‖", \
     datafile index 1 using 1:2 with lines lw 1.5 dt 1 lc rgb '#d62728' title "|loss drop|", \
     datafile index 2 using 1:2 with points pt 8 ps 1.3 lw 1.5 lc rgb '#d62728' title "drop < 0 (f₂ rose)", \
     datafile index 3 using 1:2 with lines lw 1.5 dt 2 lc rgb '#1f77b4' notitle, \
     datafile index 4 using 1:2 with lines lw 1.5 dt 2 lc rgb '#d62728' notitle, \
     datafile index 5 using 1:2 with points pt 8 ps 1.3 lw 1.5 lc rgb '#d62728' notitle, \
     datafile index 6 using 1:2 with lines lw 1.5 dt 3 lc rgb '#1f77b4' notitle, \
     datafile index 7 using 1:2 with lines lw 1.5 dt 3 lc rgb '#d62728' notitle, \
     datafile index 8 using 1:2 with points pt 8 ps 1.3 lw 1.5 lc rgb '#d62728' notitle, \
     keyentry with lines lw 1.5 dt 1 lc rgb '#444444' title "seed 0", \
     keyentry with lines lw 1.5 dt 2 lc rgb '#444444' title "seed 1", \
     keyentry with lines lw 1.5 dt 3 lc rgb '#444444' title "seed 2"
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
set offsets 0, 0, 0, 0
set key default
set key bmargin center horizontal font ",9" samplen 2.5 spacing 1.1 width 1 height 1.5
set grid
set origin 0.3333333333333333, 0.4864864864864865
set size noratio 0.3333333333333333, 0.47297297297297297
set title "dqn-monolithic (seeds 0, 1, 2)\nextreme eigenvalues of ∇²₂₂f₂ (Lanczos), symmetric log scale" font ",10"
set xlabel "environment steps"

set ylabel "eigenvalue"

set nonlinear y via asinh(y/0.01) inverse 0.01*sinh(y)
set yrange [-781.39892:5193.045]
set ytics ("0" 0, "1e-2" 0.01, "-1e-2" -0.01, "1e-1" 0.1, "-1e-1" -0.1, "1e0" 1.0, "-1e0" -1.0, "1e1" 10.0, "-1e1" -10.0, "1e2" 100.0, "-1e2" -100.0, "1e3" 1000.0, "-1e3" -1000.0, "1e4" 10000.0, "-1e4" -10000.0)
set xzeroaxis lt 1 lc rgb '#888888'
plot datafile index 9 using 1:2 with lines lw 1.5 dt 1 lc rgb '#1f77b4' title "λmax", \
     datafile index 10 using 1:2 with lines lw 1.5 dt 1 lc rgb '#d62728' title "λmin", \
     datafile index 11 using 1:2 with lines lw 1.5 dt 1 lc rgb '#888888' title "−1e-4·|λmax| (indefinite below)", \
     datafile index 12 using 1:2 with lines lw 1.5 dt 2 lc rgb '#1f77b4' notitle, \
     datafile index 13 using 1:2 with lines lw 1.5 dt 2 lc rgb '#d62728' notitle, \
     datafile index 14 using 1:2 with lines lw 1.5 dt 2 lc rgb '#888888' notitle, \
     datafile index 15 using 1:2 with lines lw 1.5 dt 3 lc rgb '#1f77b4' notitle, \
     datafile index 16 using 1:2 with lines lw 1.5 dt 3 lc rgb '#d62728' notitle, \
     datafile index 17 using 1:2 with lines lw 1.5 dt 3 lc rgb '#888888' notitle, \
     keyentry with lines lw 1.5 dt 1 lc rgb '#444444' title "seed 0", \
     keyentry with lines lw 1.5 dt 2 lc rgb '#444444' title "seed 1", \
     keyentry with lines lw 1.5 dt 3 lc rgb '#444444' title "seed 2"
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
set offsets 0, 0, 0, 0
set key default
set key bmargin center horizontal font ",9" samplen 2.5 spacing 1.1 width 1 height 1.5
set grid
set origin 0.6666666666666666, 0.4864864864864865
set size noratio 0.3333333333333333, 0.47297297297297297
set title "dqn-monolithic (seeds 0, 1, 2)\nindefinite ∇²₂₂f₂ (λmin < −1e-4·|λmax|), per logged row" font ",10"
set xlabel "environment steps"

set ylabel "indefinite"

set yrange [-0.05:1.05]
plot datafile index 18 using 1:2 with lines lw 1.5 dt 1 lc rgb '#1f77b4' title "indefinite (1) or not (0)", \
     datafile index 19 using 1:2 with lines lw 1.5 dt 2 lc rgb '#1f77b4' notitle, \
     datafile index 20 using 1:2 with lines lw 1.5 dt 3 lc rgb '#1f77b4' notitle, \
     keyentry with lines lw 1.5 dt 1 lc rgb '#444444' title "seed 0", \
     keyentry with lines lw 1.5 dt 2 lc rgb '#444444' title "seed 1", \
     keyentry with lines lw 1.5 dt 3 lc rgb '#444444' title "seed 2"
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
set offsets 0, 0, 0, 0
set key default
set key bmargin center horizontal font ",9" samplen 2.5 spacing 1.1 width 1 height 1.5
set grid
set origin 0.0, 0.013513513513513514
set size noratio 0.3333333333333333, 0.47297297297297297
set title "dqn-scorer (seeds 0, 1, 2)\n‖∇₂f₂‖ and |loss drop f₂ − f₂(K more steps)|\n0 of 468 drops negative (△: f₂ rose)" font ",10"
set xlabel "environment steps"

set ylabel "norm, |loss drop|"
set logscale y
set format y "%.0e"

plot datafile index 21 using 1:2 with lines lw 1.5 dt 1 lc rgb '#1f77b4' title "‖∇₂f₂‖", \
     datafile index 22 using 1:2 with lines lw 1.5 dt 1 lc rgb '#d62728' title "|loss drop|", \
     datafile index 23 using 1:2 with lines lw 1.5 dt 2 lc rgb '#1f77b4' notitle, \
     datafile index 24 using 1:2 with lines lw 1.5 dt 2 lc rgb '#d62728' notitle, \
     datafile index 25 using 1:2 with lines lw 1.5 dt 3 lc rgb '#1f77b4' notitle, \
     datafile index 26 using 1:2 with lines lw 1.5 dt 3 lc rgb '#d62728' notitle, \
     keyentry with lines lw 1.5 dt 1 lc rgb '#444444' title "seed 0", \
     keyentry with lines lw 1.5 dt 2 lc rgb '#444444' title "seed 1", \
     keyentry with lines lw 1.5 dt 3 lc rgb '#444444' title "seed 2"
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
set offsets 0, 0, 0, 0
set key default
set key bmargin center horizontal font ",9" samplen 2.5 spacing 1.1 width 1 height 1.5
set grid
set origin 0.3333333333333333, 0.013513513513513514
set size noratio 0.3333333333333333, 0.47297297297297297
set title "dqn-scorer (seeds 0, 1, 2)\nextreme eigenvalues of ∇²₂₂f₂ (Lanczos), symmetric log scale" font ",10"
set xlabel "environment steps"

set ylabel "eigenvalue"

set nonlinear y via asinh(y/0.01) inverse 0.01*sinh(y)
set yrange [-624.89776:11850.087]
set ytics ("0" 0, "1e-2" 0.01, "-1e-2" -0.01, "1e-1" 0.1, "-1e-1" -0.1, "1e0" 1.0, "-1e0" -1.0, "1e1" 10.0, "-1e1" -10.0, "1e2" 100.0, "-1e2" -100.0, "1e3" 1000.0, "-1e3" -1000.0, "1e4" 10000.0, "-1e4" -10000.0)
set xzeroaxis lt 1 lc rgb '#888888'
plot datafile index 27 using 1:2 with lines lw 1.5 dt 1 lc rgb '#1f77b4' title "λmax", \
     datafile index 28 using 1:2 with lines lw 1.5 dt 1 lc rgb '#d62728' title "λmin", \
     datafile index 29 using 1:2 with lines lw 1.5 dt 1 lc rgb '#888888' title "−1e-4·|λmax| (indefinite below)", \
     datafile index 30 using 1:2 with lines lw 1.5 dt 2 lc rgb '#1f77b4' notitle, \
     datafile index 31 using 1:2 with lines lw 1.5 dt 2 lc rgb '#d62728' notitle, \
     datafile index 32 using 1:2 with lines lw 1.5 dt 2 lc rgb '#888888' notitle, \
     datafile index 33 using 1:2 with lines lw 1.5 dt 3 lc rgb '#1f77b4' notitle, \
     datafile index 34 using 1:2 with lines lw 1.5 dt 3 lc rgb '#d62728' notitle, \
     datafile index 35 using 1:2 with lines lw 1.5 dt 3 lc rgb '#888888' notitle, \
     keyentry with lines lw 1.5 dt 1 lc rgb '#444444' title "seed 0", \
     keyentry with lines lw 1.5 dt 2 lc rgb '#444444' title "seed 1", \
     keyentry with lines lw 1.5 dt 3 lc rgb '#444444' title "seed 2"
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
set offsets 0, 0, 0, 0
set key default
set key bmargin center horizontal font ",9" samplen 2.5 spacing 1.1 width 1 height 1.5
set grid
set origin 0.6666666666666666, 0.013513513513513514
set size noratio 0.3333333333333333, 0.47297297297297297
set title "dqn-scorer (seeds 0, 1, 2)\nindefinite ∇²₂₂f₂ (λmin < −1e-4·|λmax|), per logged row" font ",10"
set xlabel "environment steps"

set ylabel "indefinite"

set yrange [-0.05:1.05]
plot datafile index 36 using 1:2 with lines lw 1.5 dt 1 lc rgb '#1f77b4' title "indefinite (1) or not (0)", \
     datafile index 37 using 1:2 with lines lw 1.5 dt 2 lc rgb '#1f77b4' notitle, \
     datafile index 38 using 1:2 with lines lw 1.5 dt 3 lc rgb '#1f77b4' notitle, \
     keyentry with lines lw 1.5 dt 1 lc rgb '#444444' title "seed 0", \
     keyentry with lines lw 1.5 dt 2 lc rgb '#444444' title "seed 1", \
     keyentry with lines lw 1.5 dt 3 lc rgb '#444444' title "seed 2"
unset multiplot

unset output
