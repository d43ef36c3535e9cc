# jacobian_spectrum.gp — written by stackelberg; data in jacobian_spectrum.dat.
# Render: gnuplot jacobian_spectrum.gp            (PNG)
#         gnuplot -e "fmt='svg'" jacobian_spectrum.gp   (SVG)
if (!exists("fmt")) fmt = "png"
# The data is read from, and the figure written to, the script's own directory (ARG0 is the
# script's path as gnuplot was given it), whatever directory gnuplot runs in.
sb_dir = ""
sb_k = 0
if (exists("ARG0")) { sb_k = strlen(ARG0) }
while (sb_k > 0) { if (ARG0[sb_k:sb_k] eq "/") { sb_dir = ARG0[1:sb_k]; sb_k = 0 } else { sb_k = sb_k - 1 } }
if (fmt eq "svg") {
    set terminal svg size 1120,488 dynamic enhanced font "Helvetica,12" background rgb "white"
    set output sb_dir."jacobian_spectrum.svg"
} else {
    set terminal pngcairo size 1120,488 enhanced font "Helvetica,11" background rgb "white"
    set output sb_dir."jacobian_spectrum.png"
}
datafile = sb_dir."jacobian_spectrum.dat"
set encoding utf8
set multiplot title "Leading eigenvalues λ of the Jacobian of the individual-play field ω = (∇₁f₁, ∇₂f₂) (Arnoldi), coloured by environment step: Re λ > 0\ncontracts under −ω, Im λ ≠ 0 rotates" font ",12"
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
set origin 0.0, 0.02459016393442623
set size noratio 0.5, 0.860655737704918
set title "dqn-monolithic (seeds 0, 1, 2)\nmedian |Im|/|Re| of eig1 = 0" font ",10"
set xlabel "Re λ"
set ylabel "Im λ"
set xzeroaxis lt 1 lc rgb '#888888'
set yzeroaxis lt 1 lc rgb '#888888'
set palette rgb 33,13,10
set cbrange [10112.0:4970112.0]
set colorbox
set cblabel "environment step"
set format cb "%.1s%c"
set format x "% h"
set offsets graph 0.05, graph 0.05, graph 0.05, graph 0.05
plot datafile index 0 using 1:2:3 with points pt 7 ps 0.8 lc palette title "eig1 (largest |λ|)", \
     datafile index 1 using 1:2:3 with points pt 6 ps 0.6 lc palette title "eig2, eig3, …", \
     datafile index 2 using 1:2:3 with points pt 6 ps 0.6 lc palette notitle, \
     datafile index 3 using 1:2:3 with points pt 6 ps 0.6 lc palette notitle, \
     datafile index 4 using 1:2:3 with points pt 7 ps 0.8 lc palette notitle, \
     datafile index 5 using 1:2:3 with points pt 6 ps 0.6 lc palette notitle, \
     datafile index 6 using 1:2:3 with points pt 6 ps 0.6 lc palette notitle, \
     datafile index 7 using 1:2:3 with points pt 6 ps 0.6 lc palette notitle, \
     datafile index 8 using 1:2:3 with points pt 7 ps 0.8 lc palette notitle, \
     datafile index 9 using 1:2:3 with points pt 6 ps 0.6 lc palette notitle, \
     datafile index 10 using 1:2:3 with points pt 6 ps 0.6 lc palette notitle, \
     datafile index 11 using 1:2:3 with points pt 6 ps 0.6 lc palette notitle
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
set origin 0.5, 0.02459016393442623
set size noratio 0.5, 0.860655737704918
set title "dqn-scorer (seeds 0, 1, 2)\nmedian |Im|/|Re| of eig1 = 0" font ",10"
set xlabel "Re λ"
set ylabel "Im λ"
set xzeroaxis lt 1 lc rgb '#888888'
set yzeroaxis lt 1 lc rgb '#888888'
set palette rgb 33,13,10
set cbrange [10112.0:4970112.0]
set colorbox
set cblabel "environment step"
set format cb "%.1s%c"
set format x "% h"
set offsets graph 0.05, graph 0.05, graph 0.05, graph 0.05
plot datafile index 12 using 1:2:3 with points pt 7 ps 0.8 lc palette title "eig1 (largest |λ|)", \
     datafile index 13 using 1:2:3 with points pt 6 ps 0.6 lc palette title "eig2, eig3, …", \
     datafile index 14 using 1:2:3 with points pt 6 ps 0.6 lc palette notitle, \
     datafile index 15 using 1:2:3 with points pt 6 ps 0.6 lc palette notitle, \
     datafile index 16 using 1:2:3 with points pt 7 ps 0.8 lc palette notitle, \
     datafile index 17 using 1:2:3 with points pt 6 ps 0.6 lc palette notitle, \
     datafile index 18 using 1:2:3 with points pt 6 ps 0.6 lc palette notitle, \
     datafile index 19 using 1:2:3 with points pt 6 ps 0.6 lc palette notitle, \
     datafile index 20 using 1:2:3 with points pt 7 ps 0.8 lc palette notitle, \
     datafile index 21 using 1:2:3 with points pt 6 ps 0.6 lc palette notitle, \
     datafile index 22 using 1:2:3 with points pt 6 ps 0.6 lc palette notitle, \
     datafile index 23 using 1:2:3 with points pt 6 ps 0.6 lc palette notitle
unset multiplot

unset output
