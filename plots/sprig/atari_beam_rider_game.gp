# atari_beam_rider_game.gp, written by notebooks/sprig.ipynb; data in atari_beam_rider_game.dat.
set terminal pngcairo size 1200,850 enhanced font "Helvetica,10" background rgb "white"
set output "atari_beam_rider_game.png"
set termoption noenhanced
set datafile missing "NaN"
set grid
set format x "%.1s%c"
set xlabel "environment steps"
set xrange [0:2000000]
set multiplot layout 2,2 title "Atari BeamRider, SPRIG: the leader (perception) and follower (heads), mean over 2 complete seeds (100 slices of training)"
set title "attention cost C (mean cell gate under gate_l1)"
plot 'atari_beam_rider_game.dat' index 0 using 1:2 with linespoints pt 7 ps 0.4 lw 2 lc rgb '#d62728' notitle
set title "leader utility by part: policy term (left axis), cost term (right axis)"
set ytics nomirror
set y2tics
set format y2 "%.2e"
set key top left opaque
plot 'atari_beam_rider_game.dat' index 0 using 1:4 with linespoints pt 7 ps 0.4 lw 2 lc rgb '#1f77b4' axes x1y1 title '(1 - alpha) u_policy', \
     'atari_beam_rider_game.dat' index 0 using 1:3 with linespoints pt 7 ps 0.4 lw 2 lc rgb '#ff7f0e' axes x1y2 title 'alpha (-lambda C)'
unset y2tics
set ytics mirror
set key noopaque
set title "cosine between the leader's gradient and end-to-end PPO's, at the same theta"
set yrange [-1.05:1.05]
plot 'atari_beam_rider_game.dat' index 0 using 1:5 with linespoints pt 7 ps 0.4 lw 2 lc rgb '#2ca02c' notitle, 0 with lines lc rgb '#555555' dt 3 notitle
set autoscale y
set yrange [0:1.05]
set key bottom left font ',8'
set title "normalized attention entropy H/log T per head: spatial solid, temporal dashed"
plot 'atari_beam_rider_game.dat' index 0 using 1:6 with linespoints pt 7 ps 0.4 lw 2 lc rgb '#d62728' dt 1 title 'SPRIG spatial h0', 'atari_beam_rider_game.dat' index 0 using 1:7 with linespoints pt 7 ps 0.4 lw 2 lc rgb '#9467bd' dt 1 title 'SPRIG spatial h1', 'atari_beam_rider_game.dat' index 0 using 1:8 with linespoints pt 7 ps 0.4 lw 2 lc rgb '#d62728' dt 2 title 'SPRIG temporal h0', 'atari_beam_rider_game.dat' index 0 using 1:9 with linespoints pt 7 ps 0.4 lw 2 lc rgb '#9467bd' dt 2 title 'SPRIG temporal h1', 'atari_beam_rider_game.dat' index 1 using 1:2 with lines lw 1 lc rgb '#888888' dt 1 title 'PPO attention end to end (all heads)', 'atari_beam_rider_game.dat' index 1 using 1:3 with lines lw 1 lc rgb '#888888' dt 1 notitle, 'atari_beam_rider_game.dat' index 1 using 1:4 with lines lw 1 lc rgb '#888888' dt 2 notitle, 'atari_beam_rider_game.dat' index 1 using 1:5 with lines lw 1 lc rgb '#888888' dt 2 notitle
unset multiplot
