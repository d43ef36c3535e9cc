# parameter_path.gp — written by stackelberg; data in parameter_path.dat.
# Render: gnuplot parameter_path.gp            (PNG)
#         gnuplot -e "fmt='svg'" parameter_path.gp   (SVG)
if (!exists("fmt")) fmt = "png"
# The data is read from, and the figure written to, the script's own directory (ARG0 is the
# script's path as gnuplot was given it), whatever directory gnuplot runs in.
sb_dir = ""
sb_k = 0
if (exists("ARG0")) { sb_k = strlen(ARG0) }
while (sb_k > 0) { if (ARG0[sb_k:sb_k] eq "/") { sb_dir = ARG0[1:sb_k]; sb_k = 0 } else { sb_k = sb_k - 1 } }
if (fmt eq "svg") {
    set terminal svg size 1680,1328 dynamic enhanced font "Helvetica,12" background rgb "white"
    set output sb_dir."parameter_path.svg"
} else {
    set terminal pngcairo size 1680,1328 enhanced font "Helvetica,11" background rgb "white"
    set output sb_dir."parameter_path.png"
}
datafile = sb_dir."parameter_path.dat"
set encoding utf8
set multiplot title "Parameter path: PCA of the sketched displacement S(x − x₀), coloured by environment step, with the individual field −ω (blue) and the regularized Stackelberg field −(Df₁, ∇₂f₂), λ = 0.1 (orange, wider,\nbeneath) mapped the same way, as arrows of one length" font ",12"
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
set origin 0.0, 0.641566265060241
set size noratio 0.3333333333333333, 0.31626506024096385
set title "sac-individual seed 0: PC1–PC2 hold 92.5% of the variance\n50 diagnostics; 0.0551 turns around its final point" font ",10"
set xlabel "PC1"
set ylabel "PC2"
set format x "% h"
set palette defined (0 '#440154', 0.25 '#3b528b', 0.5 '#21918c', 0.75 '#5ec962', 1 '#fde725')
set cbrange [1000.0:50000.0]
set colorbox
set cblabel "environment step"
set format cb "%.1s%c"
set offsets graph 0.08, graph 0.08, graph 0.08, graph 0.08
plot datafile index 0 using 1:2:3 with lines lw 2 lc palette title 'path (coloured by step)', \
     datafile index 0 every ::0::0 using 1:2 with points pt 7 ps 1.2 lc rgb 'black' title 'start', \
     datafile index 1 using 1:2:3:4 with vectors head size screen 0.011,25 filled lw 3.6 lc rgb '#ff7f0e' title "regularized Stackelberg (λ = 0.1)", \
     datafile index 2 using 1:2:3:4 with vectors head size screen 0.007,20 filled lw 1.2 lc rgb '#1f4fb4' title "individual −ω"
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
set origin 0.3333333333333333, 0.641566265060241
set size noratio 0.3333333333333333, 0.31626506024096385
set title "sac-individual seed 1: PC1–PC2 hold 83.5% of the variance\n50 diagnostics; -0.115 turns around its final point" font ",10"
set xlabel "PC1"
set ylabel "PC2"
set format x "% h"
set palette defined (0 '#440154', 0.25 '#3b528b', 0.5 '#21918c', 0.75 '#5ec962', 1 '#fde725')
set cbrange [1000.0:50000.0]
set colorbox
set cblabel "environment step"
set format cb "%.1s%c"
set offsets graph 0.08, graph 0.08, graph 0.08, graph 0.08
plot datafile index 3 using 1:2:3 with lines lw 2 lc palette title 'path (coloured by step)', \
     datafile index 3 every ::0::0 using 1:2 with points pt 7 ps 1.2 lc rgb 'black' title 'start', \
     datafile index 4 using 1:2:3:4 with vectors head size screen 0.011,25 filled lw 3.6 lc rgb '#ff7f0e' title "regularized Stackelberg (λ = 0.1)", \
     datafile index 5 using 1:2:3:4 with vectors head size screen 0.007,20 filled lw 1.2 lc rgb '#1f4fb4' title "individual −ω"
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
set origin 0.6666666666666666, 0.641566265060241
set size noratio 0.3333333333333333, 0.31626506024096385
set title "sac-individual seed 2: PC1–PC2 hold 88.9% of the variance\n50 diagnostics; -0.27 turns around its final point" font ",10"
set xlabel "PC1"
set ylabel "PC2"
set format x "% h"
set palette defined (0 '#440154', 0.25 '#3b528b', 0.5 '#21918c', 0.75 '#5ec962', 1 '#fde725')
set cbrange [1000.0:50000.0]
set colorbox
set cblabel "environment step"
set format cb "%.1s%c"
set offsets graph 0.08, graph 0.08, graph 0.08, graph 0.08
plot datafile index 6 using 1:2:3 with lines lw 2 lc palette title 'path (coloured by step)', \
     datafile index 6 every ::0::0 using 1:2 with points pt 7 ps 1.2 lc rgb 'black' title 'start', \
     datafile index 7 using 1:2:3:4 with vectors head size screen 0.011,25 filled lw 3.6 lc rgb '#ff7f0e' title "regularized Stackelberg (λ = 0.1)", \
     datafile index 8 using 1:2:3:4 with vectors head size screen 0.007,20 filled lw 1.2 lc rgb '#1f4fb4' title "individual −ω"
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
set origin 0.0, 0.3253012048192771
set size noratio 0.3333333333333333, 0.31626506024096385
set title "sac-actor-leader seed 0: PC1–PC2 hold 95.4% of the variance\n50 diagnostics; 0.471 turns around its final point" font ",10"
set xlabel "PC1"
set ylabel "PC2"
set format x "% h"
set palette defined (0 '#440154', 0.25 '#3b528b', 0.5 '#21918c', 0.75 '#5ec962', 1 '#fde725')
set cbrange [1000.0:50000.0]
set colorbox
set cblabel "environment step"
set format cb "%.1s%c"
set offsets graph 0.08, graph 0.08, graph 0.08, graph 0.08
plot datafile index 9 using 1:2:3 with lines lw 2 lc palette title 'path (coloured by step)', \
     datafile index 9 every ::0::0 using 1:2 with points pt 7 ps 1.2 lc rgb 'black' title 'start', \
     datafile index 10 using 1:2:3:4 with vectors head size screen 0.011,25 filled lw 3.6 lc rgb '#ff7f0e' title "regularized Stackelberg (λ = 0.1)", \
     datafile index 11 using 1:2:3:4 with vectors head size screen 0.007,20 filled lw 1.2 lc rgb '#1f4fb4' title "individual −ω"
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
set origin 0.3333333333333333, 0.3253012048192771
set size noratio 0.3333333333333333, 0.31626506024096385
set title "sac-actor-leader seed 1: PC1–PC2 hold 94% of the variance\n50 diagnostics; -0.393 turns around its final point" font ",10"
set xlabel "PC1"
set ylabel "PC2"
set format x "% h"
set palette defined (0 '#440154', 0.25 '#3b528b', 0.5 '#21918c', 0.75 '#5ec962', 1 '#fde725')
set cbrange [1000.0:50000.0]
set colorbox
set cblabel "environment step"
set format cb "%.1s%c"
set offsets graph 0.08, graph 0.08, graph 0.08, graph 0.08
plot datafile index 12 using 1:2:3 with lines lw 2 lc palette title 'path (coloured by step)', \
     datafile index 12 every ::0::0 using 1:2 with points pt 7 ps 1.2 lc rgb 'black' title 'start', \
     datafile index 13 using 1:2:3:4 with vectors head size screen 0.011,25 filled lw 3.6 lc rgb '#ff7f0e' title "regularized Stackelberg (λ = 0.1)", \
     datafile index 14 using 1:2:3:4 with vectors head size screen 0.007,20 filled lw 1.2 lc rgb '#1f4fb4' title "individual −ω"
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
set origin 0.6666666666666666, 0.3253012048192771
set size noratio 0.3333333333333333, 0.31626506024096385
set title "sac-actor-leader seed 2: PC1–PC2 hold 87.4% of the variance\n50 diagnostics; -0.0198 turns around its final point" font ",10"
set xlabel "PC1"
set ylabel "PC2"
set format x "% h"
set palette defined (0 '#440154', 0.25 '#3b528b', 0.5 '#21918c', 0.75 '#5ec962', 1 '#fde725')
set cbrange [1000.0:50000.0]
set colorbox
set cblabel "environment step"
set format cb "%.1s%c"
set offsets graph 0.08, graph 0.08, graph 0.08, graph 0.08
plot datafile index 15 using 1:2:3 with lines lw 2 lc palette title 'path (coloured by step)', \
     datafile index 15 every ::0::0 using 1:2 with points pt 7 ps 1.2 lc rgb 'black' title 'start', \
     datafile index 16 using 1:2:3:4 with vectors head size screen 0.011,25 filled lw 3.6 lc rgb '#ff7f0e' title "regularized Stackelberg (λ = 0.1)", \
     datafile index 17 using 1:2:3:4 with vectors head size screen 0.007,20 filled lw 1.2 lc rgb '#1f4fb4' title "individual −ω"
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
set origin 0.0, 0.009036144578313253
set size noratio 0.3333333333333333, 0.31626506024096385
set title "sac-critic-leader seed 0: PC1–PC2 hold 94.1% of the variance\n50 diagnostics; -0.261 turns around its final point" font ",10"
set xlabel "PC1"
set ylabel "PC2"
set format x "% h"
set palette defined (0 '#440154', 0.25 '#3b528b', 0.5 '#21918c', 0.75 '#5ec962', 1 '#fde725')
set cbrange [1000.0:50000.0]
set colorbox
set cblabel "environment step"
set format cb "%.1s%c"
set offsets graph 0.08, graph 0.08, graph 0.08, graph 0.08
plot datafile index 18 using 1:2:3 with lines lw 2 lc palette title 'path (coloured by step)', \
     datafile index 18 every ::0::0 using 1:2 with points pt 7 ps 1.2 lc rgb 'black' title 'start', \
     datafile index 19 using 1:2:3:4 with vectors head size screen 0.011,25 filled lw 3.6 lc rgb '#ff7f0e' title "regularized Stackelberg (λ = 0.1)", \
     datafile index 20 using 1:2:3:4 with vectors head size screen 0.007,20 filled lw 1.2 lc rgb '#1f4fb4' title "individual −ω"
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
set origin 0.3333333333333333, 0.009036144578313253
set size noratio 0.3333333333333333, 0.31626506024096385
set title "sac-critic-leader seed 1: PC1–PC2 hold 87.2% of the variance\n50 diagnostics; 0.213 turns around its final point" font ",10"
set xlabel "PC1"
set ylabel "PC2"
set format x "% h"
set palette defined (0 '#440154', 0.25 '#3b528b', 0.5 '#21918c', 0.75 '#5ec962', 1 '#fde725')
set cbrange [1000.0:50000.0]
set colorbox
set cblabel "environment step"
set format cb "%.1s%c"
set offsets graph 0.08, graph 0.08, graph 0.08, graph 0.08
plot datafile index 21 using 1:2:3 with lines lw 2 lc palette title 'path (coloured by step)', \
     datafile index 21 every ::0::0 using 1:2 with points pt 7 ps 1.2 lc rgb 'black' title 'start', \
     datafile index 22 using 1:2:3:4 with vectors head size screen 0.011,25 filled lw 3.6 lc rgb '#ff7f0e' title "regularized Stackelberg (λ = 0.1)", \
     datafile index 23 using 1:2:3:4 with vectors head size screen 0.007,20 filled lw 1.2 lc rgb '#1f4fb4' title "individual −ω"
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
set origin 0.6666666666666666, 0.009036144578313253
set size noratio 0.3333333333333333, 0.31626506024096385
set title "sac-critic-leader seed 2: PC1–PC2 hold 76.9% of the variance\n50 diagnostics; 0.194 turns around its final point" font ",10"
set xlabel "PC1"
set ylabel "PC2"
set format x "% h"
set palette defined (0 '#440154', 0.25 '#3b528b', 0.5 '#21918c', 0.75 '#5ec962', 1 '#fde725')
set cbrange [1000.0:50000.0]
set colorbox
set cblabel "environment step"
set format cb "%.1s%c"
set offsets graph 0.08, graph 0.08, graph 0.08, graph 0.08
plot datafile index 24 using 1:2:3 with lines lw 2 lc palette title 'path (coloured by step)', \
     datafile index 24 every ::0::0 using 1:2 with points pt 7 ps 1.2 lc rgb 'black' title 'start', \
     datafile index 25 using 1:2:3:4 with vectors head size screen 0.011,25 filled lw 3.6 lc rgb '#ff7f0e' title "regularized Stackelberg (λ = 0.1)", \
     datafile index 26 using 1:2:3:4 with vectors head size screen 0.007,20 filled lw 1.2 lc rgb '#1f4fb4' title "individual −ω"
unset multiplot

unset output
