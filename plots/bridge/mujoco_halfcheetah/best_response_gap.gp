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
    set terminal svg size 1680,1308 dynamic enhanced font "Helvetica,12" background rgb "white"
    set output sb_dir."best_response_gap.svg"
} else {
    set terminal pngcairo size 1680,1308 enhanced font "Helvetica,11" background rgb "white"
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
set origin 0.0, 0.6513761467889908
set size noratio 0.3333333333333333, 0.3211009174311927
set title "sac-individual (seeds 0, 1, 2)\n‖∇₂f₂‖ and |loss drop f₂ − f₂(K more steps)|\n0 of 150 drops negative (△: f₂ rose)" font ",10"
set xlabel "environment steps"

set ylabel "norm, |loss drop|"
set logscale y
set format y "%.0e"

plot datafile index 0 using 1:2 with lines lw 1.5 dt 1 lc rgb '#1f77b4' title "‖∇₂f₂‖", \
     datafile index 1 using 1:2 with lines lw 1.5 dt 1 lc rgb '#d62728' title "|loss drop|", \
     datafile index 2 using 1:2 with lines lw 1.5 dt 2 lc rgb '#1f77b4' notitle, \
     datafile index 3 using 1:2 with lines lw 1.5 dt 2 lc rgb '#d62728' notitle, \
     datafile index 4 using 1:2 with lines lw 1.5 dt 3 lc rgb '#1f77b4' notitle, \
     datafile index 5 using 1:2 with lines lw 1.5 dt 3 lc rgb '#d62728' notitle, \
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
set origin 0.3333333333333333, 0.6513761467889908
set size noratio 0.3333333333333333, 0.3211009174311927
set title "sac-individual (seeds 0, 1, 2)\nextreme eigenvalues of ∇²₂₂f₂ (Lanczos), symmetric log scale" font ",10"
set xlabel "environment steps"

set ylabel "eigenvalue"

set nonlinear y via asinh(y/0.1) inverse 0.1*sinh(y)
set yrange [-34.65702:346570.2]
set ytics ("0" 0, "1e-1" 0.1, "-1e-1" -0.1, "1e0" 1.0, "-1e0" -1.0, "1e1" 10.0, "-1e1" -10.0, "1e2" 100.0, "-1e2" -100.0, "1e3" 1000.0, "-1e3" -1000.0, "1e4" 10000.0, "-1e4" -10000.0, "1e5" 100000.0, "-1e5" -100000.0, "1e6" 1000000.0, "-1e6" -1000000.0)
set xzeroaxis lt 1 lc rgb '#888888'
plot datafile index 6 using 1:2 with lines lw 1.5 dt 1 lc rgb '#1f77b4' title "λmax", \
     datafile index 7 using 1:2 with lines lw 1.5 dt 1 lc rgb '#d62728' title "λmin", \
     datafile index 8 using 1:2 with lines lw 1.5 dt 1 lc rgb '#888888' title "−1e-4·|λmax| (indefinite below)", \
     datafile index 9 using 1:2 with lines lw 1.5 dt 2 lc rgb '#1f77b4' notitle, \
     datafile index 10 using 1:2 with lines lw 1.5 dt 2 lc rgb '#d62728' notitle, \
     datafile index 11 using 1:2 with lines lw 1.5 dt 2 lc rgb '#888888' notitle, \
     datafile index 12 using 1:2 with lines lw 1.5 dt 3 lc rgb '#1f77b4' notitle, \
     datafile index 13 using 1:2 with lines lw 1.5 dt 3 lc rgb '#d62728' notitle, \
     datafile index 14 using 1:2 with lines lw 1.5 dt 3 lc rgb '#888888' notitle, \
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
set origin 0.6666666666666666, 0.6513761467889908
set size noratio 0.3333333333333333, 0.3211009174311927
set title "sac-individual (seeds 0, 1, 2)\nindefinite ∇²₂₂f₂ (λmin < −1e-4·|λmax|), per logged row" font ",10"
set xlabel "environment steps"

set ylabel "indefinite"

set yrange [-0.05:1.05]
plot datafile index 15 using 1:2 with lines lw 1.5 dt 1 lc rgb '#1f77b4' title "indefinite (1) or not (0)", \
     datafile index 16 using 1:2 with lines lw 1.5 dt 2 lc rgb '#1f77b4' notitle, \
     datafile index 17 using 1:2 with lines lw 1.5 dt 3 lc rgb '#1f77b4' notitle, \
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
set size noratio 0.3333333333333333, 0.3211009174311927
set title "sac-actor-leader (seeds 0, 1, 2)\n‖∇₂f₂‖ and |loss drop f₂ − f₂(K more steps)|\n0 of 150 drops negative (△: f₂ rose)" font ",10"
set xlabel "environment steps"

set ylabel "norm, |loss drop|"
set logscale y
set format y "%.0e"

plot datafile index 18 using 1:2 with lines lw 1.5 dt 1 lc rgb '#1f77b4' title "‖∇₂f₂‖", \
     datafile index 19 using 1:2 with lines lw 1.5 dt 1 lc rgb '#d62728' title "|loss drop|", \
     datafile index 20 using 1:2 with lines lw 1.5 dt 2 lc rgb '#1f77b4' notitle, \
     datafile index 21 using 1:2 with lines lw 1.5 dt 2 lc rgb '#d62728' notitle, \
     datafile index 22 using 1:2 with lines lw 1.5 dt 3 lc rgb '#1f77b4' notitle, \
     datafile index 23 using 1:2 with lines lw 1.5 dt 3 lc rgb '#d62728' notitle, \
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
set origin 0.3333333333333333, 0.3302752293577982
set size noratio 0.3333333333333333, 0.3211009174311927
set title "sac-actor-leader (seeds 0, 1, 2)\nextreme eigenvalues of ∇²₂₂f₂ (Lanczos), symmetric log scale" font ",10"
set xlabel "environment steps"

set ylabel "eigenvalue"

set nonlinear y via asinh(y/0.1) inverse 0.1*sinh(y)
set yrange [-32.475228:220354.68]
set ytics ("0" 0, "1e-1" 0.1, "-1e-1" -0.1, "1e0" 1.0, "-1e0" -1.0, "1e1" 10.0, "-1e1" -10.0, "1e2" 100.0, "-1e2" -100.0, "1e3" 1000.0, "-1e3" -1000.0, "1e4" 10000.0, "-1e4" -10000.0, "1e5" 100000.0, "-1e5" -100000.0, "1e6" 1000000.0, "-1e6" -1000000.0)
set xzeroaxis lt 1 lc rgb '#888888'
plot datafile index 24 using 1:2 with lines lw 1.5 dt 1 lc rgb '#1f77b4' title "λmax", \
     datafile index 25 using 1:2 with lines lw 1.5 dt 1 lc rgb '#d62728' title "λmin", \
     datafile index 26 using 1:2 with lines lw 1.5 dt 1 lc rgb '#888888' title "−1e-4·|λmax| (indefinite below)", \
     datafile index 27 using 1:2 with lines lw 1.5 dt 2 lc rgb '#1f77b4' notitle, \
     datafile index 28 using 1:2 with lines lw 1.5 dt 2 lc rgb '#d62728' notitle, \
     datafile index 29 using 1:2 with lines lw 1.5 dt 2 lc rgb '#888888' notitle, \
     datafile index 30 using 1:2 with lines lw 1.5 dt 3 lc rgb '#1f77b4' notitle, \
     datafile index 31 using 1:2 with lines lw 1.5 dt 3 lc rgb '#d62728' notitle, \
     datafile index 32 using 1:2 with lines lw 1.5 dt 3 lc rgb '#888888' notitle, \
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
set origin 0.6666666666666666, 0.3302752293577982
set size noratio 0.3333333333333333, 0.3211009174311927
set title "sac-actor-leader (seeds 0, 1, 2)\nindefinite ∇²₂₂f₂ (λmin < −1e-4·|λmax|), per logged row" font ",10"
set xlabel "environment steps"

set ylabel "indefinite"

set yrange [-0.05:1.05]
plot datafile index 33 using 1:2 with lines lw 1.5 dt 1 lc rgb '#1f77b4' title "indefinite (1) or not (0)", \
     datafile index 34 using 1:2 with lines lw 1.5 dt 2 lc rgb '#1f77b4' notitle, \
     datafile index 35 using 1:2 with lines lw 1.5 dt 3 lc rgb '#1f77b4' notitle, \
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
set size noratio 0.3333333333333333, 0.3211009174311927
set title "sac-critic-leader (seeds 0, 1, 2)\n‖∇₂f₂‖ and |loss drop f₂ − f₂(K more steps)|\n0 of 150 drops negative (△: f₂ rose)" font ",10"
set xlabel "environment steps"

set ylabel "norm, |loss drop|"
set logscale y
set format y "%.0e"

plot datafile index 36 using 1:2 with lines lw 1.5 dt 1 lc rgb '#1f77b4' title "‖∇₂f₂‖", \
     datafile index 37 using 1:2 with lines lw 1.5 dt 1 lc rgb '#d62728' title "|loss drop|", \
     datafile index 38 using 1:2 with lines lw 1.5 dt 2 lc rgb '#1f77b4' notitle, \
     datafile index 39 using 1:2 with lines lw 1.5 dt 2 lc rgb '#d62728' notitle, \
     datafile index 40 using 1:2 with lines lw 1.5 dt 3 lc rgb '#1f77b4' notitle, \
     datafile index 41 using 1:2 with lines lw 1.5 dt 3 lc rgb '#d62728' notitle, \
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
set origin 0.3333333333333333, 0.009174311926605505
set size noratio 0.3333333333333333, 0.3211009174311927
set title "sac-critic-leader (seeds 0, 1, 2)\nextreme eigenvalues of ∇²₂₂f₂ (Lanczos), symmetric log scale" font ",10"
set xlabel "environment steps"

set ylabel "eigenvalue"

set nonlinear y via asinh(y/0.1) inverse 0.1*sinh(y)
set yrange [-544.22016:521.13324]
set ytics ("0" 0, "1e-1" 0.1, "-1e-1" -0.1, "1e0" 1.0, "-1e0" -1.0, "1e1" 10.0, "-1e1" -10.0, "1e2" 100.0, "-1e2" -100.0, "1e3" 1000.0, "-1e3" -1000.0)
set xzeroaxis lt 1 lc rgb '#888888'
plot datafile index 42 using 1:2 with lines lw 1.5 dt 1 lc rgb '#1f77b4' title "λmax", \
     datafile index 43 using 1:2 with lines lw 1.5 dt 1 lc rgb '#d62728' title "λmin", \
     datafile index 44 using 1:2 with lines lw 1.5 dt 1 lc rgb '#888888' title "−1e-4·|λmax| (indefinite below)", \
     datafile index 45 using 1:2 with lines lw 1.5 dt 2 lc rgb '#1f77b4' notitle, \
     datafile index 46 using 1:2 with lines lw 1.5 dt 2 lc rgb '#d62728' notitle, \
     datafile index 47 using 1:2 with lines lw 1.5 dt 2 lc rgb '#888888' notitle, \
     datafile index 48 using 1:2 with lines lw 1.5 dt 3 lc rgb '#1f77b4' notitle, \
     datafile index 49 using 1:2 with lines lw 1.5 dt 3 lc rgb '#d62728' notitle, \
     datafile index 50 using 1:2 with lines lw 1.5 dt 3 lc rgb '#888888' notitle, \
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
set origin 0.6666666666666666, 0.009174311926605505
set size noratio 0.3333333333333333, 0.3211009174311927
set title "sac-critic-leader (seeds 0, 1, 2)\nindefinite ∇²₂₂f₂ (λmin < −1e-4·|λmax|), per logged row" font ",10"
set xlabel "environment steps"

set ylabel "indefinite"

set yrange [-0.05:1.05]
plot datafile index 51 using 1:2 with lines lw 1.5 dt 1 lc rgb '#1f77b4' title "indefinite (1) or not (0)", \
     datafile index 52 using 1:2 with lines lw 1.5 dt 2 lc rgb '#1f77b4' notitle, \
     datafile index 53 using 1:2 with lines lw 1.5 dt 3 lc rgb '#1f77b4' notitle, \
     keyentry with lines lw 1.5 dt 1 lc rgb '#444444' title "seed 0", \
     keyentry with lines lw 1.5 dt 2 lc rgb '#444444' title "seed 1", \
     keyentry with lines lw 1.5 dt 3 lc rgb '#444444' title "seed 2"
unset multiplot

unset output
