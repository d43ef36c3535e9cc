# curves_atari_beam_rider.gp — written by stackelberg; data in curves_atari_beam_rider.dat.
# Render: gnuplot curves_atari_beam_rider.gp            (PNG)
#         gnuplot -e "fmt='svg'" curves_atari_beam_rider.gp   (SVG)
if (!exists("fmt")) fmt = "png"
# The data is read from, and the figure written to, the script's own directory (ARG0 is the
# script's path as gnuplot was given it), whatever directory gnuplot runs in.
sb_dir = ""
sb_k = 0
if (exists("ARG0")) { sb_k = strlen(ARG0) }
while (sb_k > 0) { if (ARG0[sb_k:sb_k] eq "/") { sb_dir = ARG0[1:sb_k]; sb_k = 0 } else { sb_k = sb_k - 1 } }
if (fmt eq "svg") {
    set terminal svg size 900,620 dynamic enhanced font "Helvetica,12" background rgb "white"
    set output sb_dir."curves_atari_beam_rider.svg"
} else {
    set terminal pngcairo size 900,620 enhanced font "Helvetica,11" background rgb "white"
    set output sb_dir."curves_atari_beam_rider.png"
}
datafile = sb_dir."curves_atari_beam_rider.dat"
set encoding utf8
set termoption noenhanced
set title "atari/beam_rider: training return (IQM over seeds of the 50-episode rolling mean, 95% bootstrap band)"
set xlabel "environment steps"
set ylabel "return"
set grid
set key below left Left reverse maxcols 1 samplen 2
set format x "%.1s%c"
set xrange [0:2000896]
plot datafile index 0 using 1:3:4 with filledcurves fc rgb '#1f77b4' fs transparent solid 0.12 noborder notitle, \
     datafile index 0 using 1:2 with lines lw 2 lc rgb '#1f77b4' title 'ppo-monolithic [network.layout="nature_cnn"] (2 seeds)', \
     datafile index 1 using 1:3:4 with filledcurves fc rgb '#d62728' fs transparent solid 0.12 noborder notitle, \
     datafile index 1 using 1:2 with lines lw 2 lc rgb '#d62728' title 'ppo-monolithic [network.layout="attention"] (2 seeds)', \
     datafile index 2 using 1:3:4 with filledcurves fc rgb '#2ca02c' fs transparent solid 0.12 noborder notitle, \
     datafile index 2 using 1:2 with lines lw 2 lc rgb '#2ca02c' title 'ppo-sprig (2 seeds)'
unset output
