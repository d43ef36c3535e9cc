# learned_vs_symbolic.gp — written by notebooks/toy_bridge.ipynb; data in learned_paths.dat,
# sigma_game_field.dat and toy_game_field.dat (stackelberg game analyze's vector_fields.dat).
set terminal pngcairo size 1400,640 enhanced font "Helvetica,11" background rgb "white"
set output "learned_vs_symbolic.png"
set encoding utf8
set multiplot layout 1,2 title "STAC toy game through the deep-RL code: 4 seeds, 1000 updates of 4096 samples, σ = 0.223"
set size ratio -1
set xrange [-0.6:1.1]
set yrange [-0.5:0.8]
set xlabel "θ (actor, leader)"
set ylabel "w (critic, follower)"
set key bottom left box opaque font ",9"
set title "(a) AC: individual play"
plot 'sigma_game_field.dat' index 0 using 1:2:3:4 with vectors head size 0.012,20 filled lc rgb '#b0b0b0' notitle, \
     'learned_paths.dat' index 0 every :::0::0 using 1:2 with lines lw 1 lc rgb '#9ecae1' notitle, \
     'learned_paths.dat' index 0 every :::1::1 using 1:2 with lines lw 1 lc rgb '#fdae6b' notitle, \
     'learned_paths.dat' index 0 every :::2::2 using 1:2 with lines lw 1 lc rgb '#a1d99b' notitle, \
     'learned_paths.dat' index 0 every :::3::3 using 1:2 with lines lw 1 lc rgb '#bcbddc' notitle, \
     'learned_paths.dat' index 0 every :::4::4 using 1:2 with lines lw 3 lc rgb '#1f77b4' title 'learned, mean of 4 seeds', \
     'sigma_game_field.dat' index 1 using 1:2 with lines lw 1.5 lc rgb 'black' title 'σ-game iteration', \
     'toy_game_field.dat' index 1 using 1:2 with lines lw 1.5 dt 2 lc rgb 'black' title 'toy (σ → 0)', \
     'learned_paths.dat' index 2 using 1:2 with points pt 7 ps 1 lc rgb 'black' notitle

set title "(b) STAC: the actor leads (λ = 0.04)"
plot 'sigma_game_field.dat' index 6 using 1:2:3:4 with vectors head size 0.012,20 filled lc rgb '#b0b0b0' notitle, \
     'learned_paths.dat' index 1 every :::0::0 using 1:2 with lines lw 1 lc rgb '#9ecae1' notitle, \
     'learned_paths.dat' index 1 every :::1::1 using 1:2 with lines lw 1 lc rgb '#fdae6b' notitle, \
     'learned_paths.dat' index 1 every :::2::2 using 1:2 with lines lw 1 lc rgb '#a1d99b' notitle, \
     'learned_paths.dat' index 1 every :::3::3 using 1:2 with lines lw 1 lc rgb '#bcbddc' notitle, \
     'learned_paths.dat' index 1 every :::4::4 using 1:2 with lines lw 3 lc rgb '#d62728' title 'learned, mean of 4 seeds', \
     'sigma_game_field.dat' index 7 using 1:2 with lines lw 1.5 lc rgb 'black' title 'σ-game iteration', \
     'toy_game_field.dat' index 7 using 1:2 with lines lw 1.5 dt 2 lc rgb 'black' title 'toy (σ → 0)', \
     'learned_paths.dat' index 2 using 1:2 with points pt 7 ps 1 lc rgb 'black' notitle

unset multiplot
