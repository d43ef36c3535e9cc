# gradient_vs_total_derivative.gp — written by stackelberg; data in gradient_vs_total_derivative.dat.
# Render: gnuplot gradient_vs_total_derivative.gp            (PNG)
#         gnuplot -e "fmt='svg'" gradient_vs_total_derivative.gp   (SVG)
if (!exists("fmt")) fmt = "png"
# The data is read from, and the figure written to, the script's own directory (ARG0 is the
# script's path as gnuplot was given it), whatever directory gnuplot runs in.
sb_dir = ""
sb_k = 0
if (exists("ARG0")) { sb_k = strlen(ARG0) }
while (sb_k > 0) { if (ARG0[sb_k:sb_k] eq "/") { sb_dir = ARG0[1:sb_k]; sb_k = 0 } else { sb_k = sb_k - 1 } }
if (fmt eq "svg") {
    set terminal svg size 1120,1308 dynamic enhanced font "Helvetica,12" background rgb "white"
    set output sb_dir."gradient_vs_total_derivative.svg"
} else {
    set terminal pngcairo size 1120,1308 enhanced font "Helvetica,11" background rgb "white"
    set output sb_dir."gradient_vs_total_derivative.png"
}
datafile = sb_dir."gradient_vs_total_derivative.dat"
set encoding utf8
set multiplot title "The leader's own gradient ∇₁f₁ against its total derivative Df₁, the leader's part of the regularized Stackelberg field, λ = 0.1" font ",12"
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
set origin 0.0, 0.6513761467889908
set size noratio 0.5, 0.3211009174311927
set title "sac-individual (seeds 0, 1, 2)\n‖∇₁f₁‖, ‖Df₁‖ and ‖correction‖, λ = 0.1" font ",10"
set xlabel "environment steps"

set ylabel "norm"
set logscale y
set format y "%.0e"

plot datafile index 0 using 1:2 with lines lw 1.5 dt 1 lc rgb '#1f77b4' title "‖∇₁f₁‖", \
     datafile index 1 using 1:2 with lines lw 1.5 dt 1 lc rgb '#d62728' title "‖Df₁‖", \
     datafile index 2 using 1:2 with lines lw 1.5 dt 1 lc rgb '#2ca02c' title "‖correction‖", \
     datafile index 3 using 1:2 with lines lw 1.5 dt 2 lc rgb '#1f77b4' notitle, \
     datafile index 4 using 1:2 with lines lw 1.5 dt 2 lc rgb '#d62728' notitle, \
     datafile index 5 using 1:2 with lines lw 1.5 dt 2 lc rgb '#2ca02c' notitle, \
     datafile index 6 using 1:2 with lines lw 1.5 dt 3 lc rgb '#1f77b4' notitle, \
     datafile index 7 using 1:2 with lines lw 1.5 dt 3 lc rgb '#d62728' notitle, \
     datafile index 8 using 1:2 with lines lw 1.5 dt 3 lc rgb '#2ca02c' notitle, \
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
set origin 0.5, 0.6513761467889908
set size noratio 0.5, 0.3211009174311927
set title "sac-individual (seeds 0, 1, 2)\ncos(∇₁f₁, Df₁)" font ",10"
set xlabel "environment steps"

set ylabel "cosine"

set yrange [*:1.05]
plot datafile index 9 using 1:2 with lines lw 1.5 dt 1 lc rgb '#1f77b4' title "cos(∇₁f₁, Df₁)", \
     datafile index 10 using 1:2 with lines lw 1.5 dt 2 lc rgb '#1f77b4' notitle, \
     datafile index 11 using 1:2 with lines lw 1.5 dt 3 lc rgb '#1f77b4' notitle, \
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
set origin 0.0, 0.3302752293577982
set size noratio 0.5, 0.3211009174311927
set title "sac-actor-leader (seeds 0, 1, 2)\n‖∇₁f₁‖, ‖Df₁‖ and ‖correction‖, λ = 0.1" font ",10"
set xlabel "environment steps"

set ylabel "norm"
set logscale y
set format y "%.0e"

plot datafile index 12 using 1:2 with lines lw 1.5 dt 1 lc rgb '#1f77b4' title "‖∇₁f₁‖", \
     datafile index 13 using 1:2 with lines lw 1.5 dt 1 lc rgb '#d62728' title "‖Df₁‖", \
     datafile index 14 using 1:2 with lines lw 1.5 dt 1 lc rgb '#2ca02c' title "‖correction‖", \
     datafile index 15 using 1:2 with lines lw 1.5 dt 2 lc rgb '#1f77b4' notitle, \
     datafile index 16 using 1:2 with lines lw 1.5 dt 2 lc rgb '#d62728' notitle, \
     datafile index 17 using 1:2 with lines lw 1.5 dt 2 lc rgb '#2ca02c' notitle, \
     datafile index 18 using 1:2 with lines lw 1.5 dt 3 lc rgb '#1f77b4' notitle, \
     datafile index 19 using 1:2 with lines lw 1.5 dt 3 lc rgb '#d62728' notitle, \
     datafile index 20 using 1:2 with lines lw 1.5 dt 3 lc rgb '#2ca02c' notitle, \
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
set origin 0.5, 0.3302752293577982
set size noratio 0.5, 0.3211009174311927
set title "sac-actor-leader (seeds 0, 1, 2)\ncos(∇₁f₁, Df₁)" font ",10"
set xlabel "environment steps"

set ylabel "cosine"

set yrange [*:1.05]
plot datafile index 21 using 1:2 with lines lw 1.5 dt 1 lc rgb '#1f77b4' title "cos(∇₁f₁, Df₁)", \
     datafile index 22 using 1:2 with lines lw 1.5 dt 2 lc rgb '#1f77b4' notitle, \
     datafile index 23 using 1:2 with lines lw 1.5 dt 3 lc rgb '#1f77b4' notitle, \
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
set origin 0.0, 0.009174311926605505
set size noratio 0.5, 0.3211009174311927
set title "sac-critic-leader (seeds 0, 1, 2)\n‖∇₁f₁‖, ‖Df₁‖ and ‖correction‖, λ = 0.1" font ",10"
set xlabel "environment steps"

set ylabel "norm"
set logscale y
set format y "%.0e"

plot datafile index 24 using 1:2 with lines lw 1.5 dt 1 lc rgb '#1f77b4' title "‖∇₁f₁‖", \
     datafile index 25 using 1:2 with lines lw 1.5 dt 1 lc rgb '#d62728' title "‖Df₁‖", \
     datafile index 26 using 1:2 with lines lw 1.5 dt 1 lc rgb '#2ca02c' title "‖correction‖", \
     datafile index 27 using 1:2 with lines lw 1.5 dt 2 lc rgb '#1f77b4' notitle, \
     datafile index 28 using 1:2 with lines lw 1.5 dt 2 lc rgb '#d62728' notitle, \
     datafile index 29 using 1:2 with lines lw 1.5 dt 2 lc rgb '#2ca02c' notitle, \
     datafile index 30 using 1:2 with lines lw 1.5 dt 3 lc rgb '#1f77b4' notitle, \
     datafile index 31 using 1:2 with lines lw 1.5 dt 3 lc rgb '#d62728' notitle, \
     datafile index 32 using 1:2 with lines lw 1.5 dt 3 lc rgb '#2ca02c' notitle, \
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
set origin 0.5, 0.009174311926605505
set size noratio 0.5, 0.3211009174311927
set title "sac-critic-leader (seeds 0, 1, 2)\ncos(∇₁f₁, Df₁)" font ",10"
set xlabel "environment steps"

set ylabel "cosine"

set yrange [*:1.05]
plot datafile index 33 using 1:2 with lines lw 1.5 dt 1 lc rgb '#1f77b4' title "cos(∇₁f₁, Df₁)", \
     datafile index 34 using 1:2 with lines lw 1.5 dt 2 lc rgb '#1f77b4' notitle, \
     datafile index 35 using 1:2 with lines lw 1.5 dt 3 lc rgb '#1f77b4' notitle, \
     keyentry with lines lw 1.5 dt 1 lc rgb '#444444' title "seed 0", \
     keyentry with lines lw 1.5 dt 2 lc rgb '#444444' title "seed 1", \
     keyentry with lines lw 1.5 dt 3 lc rgb '#444444' title "seed 2"
unset multiplot

unset output
