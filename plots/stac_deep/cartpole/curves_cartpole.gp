# curves_cartpole.gp — written by stackelberg; data in curves_cartpole.dat.
# Render: gnuplot curves_cartpole.gp            (PNG)
#         gnuplot -e "fmt='svg'" curves_cartpole.gp   (SVG)
if (!exists("fmt")) fmt = "png"
# The data is read from, and the figure written to, the script's own directory (ARG0 is the
# script's path as gnuplot was given it), whatever directory gnuplot runs in.
sb_dir = ""
sb_k = 0
if (exists("ARG0")) { sb_k = strlen(ARG0) }
while (sb_k > 0) { if (ARG0[sb_k:sb_k] eq "/") { sb_dir = ARG0[1:sb_k]; sb_k = 0 } else { sb_k = sb_k - 1 } }
if (fmt eq "svg") {
    set terminal svg size 974,740 dynamic enhanced font "Helvetica,12" background rgb "white"
    set output sb_dir."curves_cartpole.svg"
} else {
    set terminal pngcairo size 974,740 enhanced font "Helvetica,11" background rgb "white"
    set output sb_dir."curves_cartpole.png"
}
datafile = sb_dir."curves_cartpole.dat"
set encoding utf8
set termoption noenhanced
set title "cartpole: training return (IQM over seeds of the 50-episode rolling mean, 95% bootstrap band)"
set xlabel "environment steps"
set ylabel "return"
set grid
set key below left Left reverse maxcols 1 samplen 2
set format x "%.1s%c"
set xrange [0:800000]
plot datafile index 0 using 1:3:4 with filledcurves fc rgb '#1f77b4' fs transparent solid 0.12 noborder notitle, \
     datafile index 0 using 1:2 with lines lw 2 lc rgb '#1f77b4' title 'ac-individual [individual.unroll=1] (5 seeds)', \
     datafile index 1 using 1:3:4 with filledcurves fc rgb '#d62728' fs transparent solid 0.12 noborder notitle, \
     datafile index 1 using 1:2 with lines lw 2 lc rgb '#d62728' title 'ac-individual [individual.unroll=80] (5 seeds)', \
     datafile index 2 using 1:3:4 with filledcurves fc rgb '#2ca02c' fs transparent solid 0.12 noborder notitle, \
     datafile index 2 using 1:2 with lines lw 2 lc rgb '#2ca02c' title 'ac-actor-leader [mixed_term="episodes" stackelberg.leader_step="total_derivative" stackelberg.unroll=1] (5 seeds)', \
     datafile index 3 using 1:3:4 with filledcurves fc rgb '#9467bd' fs transparent solid 0.12 noborder notitle, \
     datafile index 3 using 1:2 with lines lw 2 lc rgb '#9467bd' title 'ac-actor-leader [mixed_term="episodes" stackelberg.leader_step="scaled_own_gradient" stackelberg.unroll=1] (5 seeds)', \
     datafile index 4 using 1:3:4 with filledcurves fc rgb '#ff7f0e' fs transparent solid 0.12 noborder notitle, \
     datafile index 4 using 1:2 with lines lw 2 lc rgb '#ff7f0e' title 'ac-actor-leader [mixed_term="first_transition" stackelberg.leader_step="total_derivative" stackelberg.unroll=1] (5 seeds)', \
     datafile index 5 using 1:3:4 with filledcurves fc rgb '#17becf' fs transparent solid 0.12 noborder notitle, \
     datafile index 5 using 1:2 with lines lw 2 lc rgb '#17becf' title 'ac-actor-leader [mixed_term="episodes" stackelberg.leader_step="total_derivative" stackelberg.unroll=80] (5 seeds)', \
     datafile index 6 using 1:3:4 with filledcurves fc rgb '#8c564b' fs transparent solid 0.12 noborder notitle, \
     datafile index 6 using 1:2 with lines lw 2 lc rgb '#8c564b' title 'ac-actor-leader [mixed_term="episodes" stackelberg.leader_step="scaled_own_gradient" stackelberg.unroll=80] (5 seeds)', \
     datafile index 7 using 1:3:4 with filledcurves fc rgb '#e377c2' fs transparent solid 0.12 noborder notitle, \
     datafile index 7 using 1:2 with lines lw 2 lc rgb '#e377c2' title 'ac-actor-leader [mixed_term="first_transition" stackelberg.leader_step="total_derivative" stackelberg.unroll=80] (5 seeds)', \
     195.0 with lines dt 2 lc rgb '#555555' title 'threshold 195.00'
unset output
