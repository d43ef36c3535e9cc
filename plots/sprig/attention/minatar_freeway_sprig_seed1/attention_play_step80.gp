# attention_play_step80.gp — written by stackelberg; data in attention_play_step80.dat.
# Render: gnuplot attention_play_step80.gp            (PNG)
#         gnuplot -e "fmt='svg'" attention_play_step80.gp   (SVG)
if (!exists("fmt")) fmt = "png"
# The data is read from, and the figure written to, the script's own directory (ARG0 is the
# script's path as gnuplot was given it), whatever directory gnuplot runs in.
sb_dir = ""
sb_k = 0
if (exists("ARG0")) { sb_k = strlen(ARG0) }
while (sb_k > 0) { if (ARG0[sb_k:sb_k] eq "/") { sb_dir = ARG0[1:sb_k]; sb_k = 0 } else { sb_k = sb_k - 1 } }
if (fmt eq "svg") {
    set terminal svg size 1260,1090 dynamic enhanced font "Helvetica,12" background rgb "white"
    set output sb_dir."attention_play_step80.svg"
} else {
    set terminal pngcairo size 1260,1090 enhanced font "Helvetica,11" background rgb "white"
    set output sb_dir."attention_play_step80.png"
}
datafile = sb_dir."attention_play_step80.dat"
set encoding utf8
set termoption noenhanced
set multiplot layout 3,3 title "minatar/freeway · SPRIG (perception module leads) · run seed 1 · checkpoint after 5,005,312 env steps of training\ngreedy play from reset seed 0: play step 80 of 400 · attention panels: mean over 2 heads, one colour range [0, 0.0445] for all\nstem cell (i, j) sees frame rows i…i+2, columns j…j+2 (3×3 convolution)" font ",11"
set size ratio -1
set yrange [*:*] reverse
set autoscale xfix
set autoscale yfix
unset key
set tics font ",8"
set cbtics font ",8"
set xlabel font ",9"
set ylabel font ",9"
set cblabel font ",9"
set title "frame t−1: first active channel" font ",10"
set palette defined (-0.5 '#e6e6e6', 0.5 '#e6e6e6', 0.5 '#1f77b4', 1.5 '#1f77b4', 1.5 '#ff7f0e', 2.5 '#ff7f0e', 2.5 '#2ca02c', 3.5 '#2ca02c', 3.5 '#d62728', 4.5 '#d62728', 4.5 '#9467bd', 5.5 '#9467bd', 5.5 '#8c564b', 6.5 '#8c564b', 6.5 '#e377c2', 7.5 '#e377c2')
set cbrange [-0.5:7.5]
set cbtics ("empty" 0, "chicken" 1, "car" 2, "speed1" 3, "speed2" 4, "speed3" 5, "speed4" 6, "speed5" 7) scale 0
set cblabel ""
set xlabel "column"
set ylabel "row"
set xtics 1
set ytics 1
plot datafile index 0 matrix with image
set title "attention received, t−1 (mean over 2 heads)" font ",10"
set palette defined (0 'white', 0.35 '#fdbb84', 0.7 '#e34a33', 1 '#7f0000')
set cbrange [0:0.044508867]
set cbtics autofreq
set cblabel "uniform level 1/64 = 0.0156"
set xlabel "stem cell column"
set ylabel "stem cell row"
set xtics 1
set ytics 1
plot datafile index 1 matrix with image
set title "cell gates, t−1" font ",10"
set palette defined (0 'white', 1 '#08519c')
set cbrange [0:1]
set cbtics autofreq
set cblabel "0 closed, 1 open"
set xlabel "stem cell column"
set ylabel "stem cell row"
set xtics 1
set ytics 1
plot datafile index 2 matrix with image
set title "frame t−0: first active channel" font ",10"
set palette defined (-0.5 '#e6e6e6', 0.5 '#e6e6e6', 0.5 '#1f77b4', 1.5 '#1f77b4', 1.5 '#ff7f0e', 2.5 '#ff7f0e', 2.5 '#2ca02c', 3.5 '#2ca02c', 3.5 '#d62728', 4.5 '#d62728', 4.5 '#9467bd', 5.5 '#9467bd', 5.5 '#8c564b', 6.5 '#8c564b', 6.5 '#e377c2', 7.5 '#e377c2')
set cbrange [-0.5:7.5]
set cbtics ("empty" 0, "chicken" 1, "car" 2, "speed1" 3, "speed2" 4, "speed3" 5, "speed4" 6, "speed5" 7) scale 0
set cblabel ""
set xlabel "column"
set ylabel "row"
set xtics 1
set ytics 1
plot datafile index 3 matrix with image
set title "attention received, t−0 (mean over 2 heads)" font ",10"
set palette defined (0 'white', 0.35 '#fdbb84', 0.7 '#e34a33', 1 '#7f0000')
set cbrange [0:0.044508867]
set cbtics autofreq
set cblabel "uniform level 1/64 = 0.0156"
set xlabel "stem cell column"
set ylabel "stem cell row"
set xtics 1
set ytics 1
plot datafile index 4 matrix with image
set title "cell gates, t−0" font ",10"
set palette defined (0 'white', 1 '#08519c')
set cbrange [0:1]
set cbtics autofreq
set cblabel "0 closed, 1 open"
set xlabel "stem cell column"
set ylabel "stem cell row"
set xtics 1
set ytics 1
plot datafile index 5 matrix with image
set title "temporal attention (mean over 2 heads)" font ",10"
set palette defined (0 'white', 1 '#54278f')
set cbrange [0:1]
set cbtics autofreq
set cblabel "weight (rows sum to 1; uniform 1/2 = 0.5)"
set xtics ("t−1" 0, "t−0" 1)
set ytics ("t−1" 0, "t−0" 1)
set xlabel "attended frame"
set ylabel "attending frame"
plot datafile index 6 matrix with image, datafile index 6 matrix using 1:2:(sprintf("%.2f", $3)) with labels font ",9"
unset multiplot

unset output
