# best_response_gap.gp — written by stackelberg; data in best_response_gap.dat.
# Render: gnuplot best_response_gap.gp            (PNG)
#         gnuplot -e "fmt='svg'" best_response_gap.gp   (SVG)
if (!exists("fmt")) fmt = "png"
if (fmt eq "svg") {
    set terminal svg size 1680,468 dynamic enhanced font "Helvetica,12" background rgb "white"
    set output "best_response_gap.svg"
} else {
    set terminal pngcairo size 1680,468 enhanced font "Helvetica,11" background rgb "white"
    set output "best_response_gap.png"
}
datafile = "best_response_gap.dat"
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
set origin 0.0, 0.02564102564102564
set size noratio 0.3333333333333333, 0.8974358974358975
set title "sac-individual (seed 0)\n‖∇₂f₂‖ and |loss drop f₂ − f₂(K more steps)|\n0 of 50 drops negative (△: f₂ rose)" font ",10"
set xlabel "environment steps"
set ylabel "norm, |loss drop|"
set logscale y
set format y "%.0e"

plot datafile index 0 using 1:2 with lines lw 1.5 dt 1 lc rgb '#1f77b4' title "‖∇₂f₂‖", \
     datafile index 1 using 1:2 with lines lw 1.5 dt 1 lc rgb '#d62728' title "|loss drop|"
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
set origin 0.3333333333333333, 0.02564102564102564
set size noratio 0.3333333333333333, 0.8974358974358975
set title "sac-individual (seed 0)\nextreme eigenvalues of ∇²₂₂f₂ (Lanczos), symmetric log scale" font ",10"
set xlabel "environment steps"
set ylabel "eigenvalue"

set nonlinear y via asinh(y/0.1) inverse 0.1*sinh(y)
set yrange [-19.74309:197430.9]
set ytics ("0" 0, "1e-1" 0.1, "-1e-1" -0.1, "1e0" 1.0, "-1e0" -1.0, "1e1" 10.0, "-1e1" -10.0, "1e2" 100.0, "-1e2" -100.0, "1e3" 1000.0, "-1e3" -1000.0, "1e4" 10000.0, "-1e4" -10000.0, "1e5" 100000.0, "-1e5" -100000.0)
set xzeroaxis lt 1 lc rgb '#888888'
plot datafile index 2 using 1:2 with lines lw 1.5 dt 1 lc rgb '#1f77b4' title "λmax", \
     datafile index 3 using 1:2 with lines lw 1.5 dt 1 lc rgb '#d62728' title "λmin", \
     datafile index 4 using 1:2 with lines lw 1.5 dt 1 lc rgb '#888888' title "−1e-4·|λmax| (indefinite below)"
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
set origin 0.6666666666666666, 0.02564102564102564
set size noratio 0.3333333333333333, 0.8974358974358975
set title "sac-individual (seed 0)\nindefinite ∇²₂₂f₂ (λmin < −1e-4·|λmax|), per logged row" font ",10"
set xlabel "environment steps"
set ylabel "indefinite"

set yrange [-0.05:1.05]
plot datafile index 5 using 1:2 with lines lw 1.5 dt 1 lc rgb '#1f77b4' title "indefinite (1) or not (0)"
unset multiplot

unset output
