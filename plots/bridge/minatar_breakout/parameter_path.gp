# parameter_path.gp — written by stackelberg; data in parameter_path.dat.
# Render: gnuplot parameter_path.gp            (PNG)
#         gnuplot -e "fmt='svg'" parameter_path.gp   (SVG)
if (!exists("fmt")) fmt = "png"
if (fmt eq "svg") {
    set terminal svg size 1040,480 dynamic enhanced font "Helvetica,12" background rgb "white"
    set output "parameter_path.svg"
} else {
    set terminal pngcairo size 1040,480 enhanced font "Helvetica,11" background rgb "white"
    set output "parameter_path.png"
}
datafile = "parameter_path.dat"
set encoding utf8
set multiplot layout 1,2 columnsfirst title "parameter path: PCA of the sketched displacement S(x − x₀), the individual (blue) and Stackelberg (red) fields mapped the same way" font ",12"
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
set title "dqn-monolithic seed 0: PC1–PC2 explain 87% of the path's variance; -1.10 turns" font ",10"
set xlabel "PC1"
set ylabel "PC2"
set format x "% h"
set palette rgb 33,13,10
set colorbox
set cblabel "environment step"
set format cb "%.1s%c"
set offsets graph 0.08, graph 0.08, graph 0.08, graph 0.08
plot datafile index 0 using 1:2:3 with lines lw 2 lc palette title 'path', \
     datafile index 0 every ::0::0 using 1:2 with points pt 7 ps 1.2 lc rgb 'black' title 'start', \
     datafile index 1 using 1:2:3:4 with vectors head size screen 0.008,20 filled lw 1.2 lc rgb '#1f77b4' title "individual −ω", \
     datafile index 2 using 1:2:3:4 with vectors head size screen 0.008,20 filled lw 1.2 lc rgb '#d62728' title "Stackelberg"
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
set title "dqn-scorer seed 0: PC1–PC2 explain 92% of the path's variance; 0.12 turns" font ",10"
set xlabel "PC1"
set ylabel "PC2"
set format x "% h"
set palette rgb 33,13,10
set colorbox
set cblabel "environment step"
set format cb "%.1s%c"
set offsets graph 0.08, graph 0.08, graph 0.08, graph 0.08
plot datafile index 3 using 1:2:3 with lines lw 2 lc palette title 'path', \
     datafile index 3 every ::0::0 using 1:2 with points pt 7 ps 1.2 lc rgb 'black' title 'start', \
     datafile index 4 using 1:2:3:4 with vectors head size screen 0.008,20 filled lw 1.2 lc rgb '#1f77b4' title "individual −ω", \
     datafile index 5 using 1:2:3:4 with vectors head size screen 0.008,20 filled lw 1.2 lc rgb '#d62728' title "Stackelberg"
unset multiplot

unset output
